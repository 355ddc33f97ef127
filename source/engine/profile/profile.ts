// A profile is one data directory opened for use: the lock taken, the identity unlocked, the
// store opened, the settings read. Every command, the TUI and the bot open it through here, so
// the order (lock first, identity before store, release on any failure) is written once.
import {existsSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {generateIdentity, importSecretKey, readPublicIdentity, unlockIdentity, type Identity, type PublicIdentity} from '../../keys/index.js';
import {dataFilePath, prepareDataDirectory} from './data-dir.js';
import {acquireLock, type Lock} from './lock.js';
import {openSettings, type Settings} from './settings.js';
import {openStore, type Store, type KdfParameters} from '../store/index.js';

export class NoIdentityError extends Error {
	override name = 'NoIdentityError';
	constructor(readonly dataDir: string) {
		super(`There is no umbra identity in ${dataDir}. Create one with \`umbra init\`, or import a GnuPG key with \`umbra init --import FILE\`.`);
	}
}

export class IdentityExistsError extends Error {
	override name = 'IdentityExistsError';
	constructor(readonly dataDir: string) {
		super(`${dataDir} already holds an umbra identity; umbra will not replace it. Pick another --data-dir, or move that directory away first.`);
	}
}

export type Profile = {
	readonly dataDir: string;
	readonly identity: Identity;
	readonly store: Store;
	readonly settings: Settings;
	/** Closes the store and releases the lock; safe to call twice. */
	close(): void;
};

export type ProfileOptions = {
	dataDir: string;
	passphrase: string;
	/** scrypt parameters for a new store; tests pass small ones. */
	kdf?: KdfParameters;
	now?: () => number;
};

export function hasIdentity(dataDir: string): boolean {
	return existsSync(dataFilePath(dataDir, 'identity'));
}

async function assemble(options: ProfileOptions, lock: Lock, identity: Identity, create: boolean): Promise<Profile> {
	const {dataDir, passphrase, kdf, now} = options;
	const store = await openStore({path: dataFilePath(dataDir, 'store'), passphrase, create, ...(kdf ? {kdf} : {}), ...(now ? {now} : {})});
	let settings: Settings;
	try {
		settings = openSettings({dataDir});
	} catch (error) {
		store.close();
		throw error;
	}

	let closed = false;
	return {
		dataDir,
		identity,
		store,
		settings,
		close() {
			if (closed) {
				return;
			}

			closed = true;
			try {
				store.close();
			} finally {
				lock.release();
			}
		},
	};
}

async function withLock<T>(dataDir: string, fn: (lock: Lock) => Promise<T>): Promise<T> {
	const lock = acquireLock(prepareDataDirectory(dataDir));
	try {
		return await fn(lock);
	} catch (error) {
		lock.release();
		throw error;
	}
}

/** Writes the armored secret key atomically (temporary file, then rename), mode 0600. */
function writeSecretKey(dataDir: string, armored: string): void {
	const path = dataFilePath(dataDir, 'identity');
	writeFileSync(`${path}.tmp`, armored, {mode: 0o600});
	renameSync(`${path}.tmp`, path);
}

async function createWith(options: ProfileOptions, make: () => Promise<{armoredSecretKey: string; identity: Identity}>): Promise<Profile> {
	return withLock(options.dataDir, async lock => {
		if (hasIdentity(options.dataDir)) {
			throw new IdentityExistsError(options.dataDir);
		}

		const {armoredSecretKey, identity} = await make();
		// The store first: if it cannot be made, no identity file claims the directory.
		const profile = await assemble(options, lock, identity, true);
		try {
			writeSecretKey(options.dataDir, armoredSecretKey);
		} catch (error) {
			profile.close();
			throw error;
		}

		return profile;
	});
}

/** Makes a new identity (v4, Ed25519 + Curve25519) and an empty store in a directory that has neither. */
export async function createProfile(options: ProfileOptions & {userId: string}): Promise<Profile> {
	return createWith(options, async () => generateIdentity({userId: options.userId, passphrase: options.passphrase}));
}

/**
 * Imports a GnuPG secret key (armored or binary), unlocked with `keyPassphrase`, and protects it
 * and the new store with `passphrase` (often the same).
 */
export async function importProfile(options: ProfileOptions & {secretKey: string | Uint8Array; keyPassphrase?: string}): Promise<Profile> {
	return createWith(options, async () => importSecretKey({input: options.secretKey, passphrase: options.keyPassphrase ?? options.passphrase, newPassphrase: options.passphrase}));
}

/** Opens an existing profile. A wrong passphrase throws WrongPassphraseError (from keys: the secret key is unlocked first). */
export async function openProfile(options: ProfileOptions): Promise<Profile> {
	return withLock(options.dataDir, async lock => {
		if (!hasIdentity(options.dataDir)) {
			throw new NoIdentityError(options.dataDir);
		}

		const identity = await unlockIdentity({armoredSecretKey: readFileSync(dataFilePath(options.dataDir, 'identity'), 'utf8'), passphrase: options.passphrase});
		return assemble(options, lock, identity, false);
	});
}

/**
 * The public half of a data directory's identity, read without the passphrase and without the
 * lock (`umbra id` works while a chat or bot has the profile open).
 */
export async function readProfileIdentity(dataDir: string): Promise<PublicIdentity> {
	if (!hasIdentity(dataDir)) {
		throw new NoIdentityError(dataDir);
	}

	return readPublicIdentity({armoredSecretKey: readFileSync(dataFilePath(dataDir, 'identity'), 'utf8')});
}
