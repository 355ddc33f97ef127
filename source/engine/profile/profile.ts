// A profile is one data directory opened for use: the lock taken, the identity unlocked, the
// store opened, the settings read. Every command, the TUI and the bot open it through here, so
// the order (lock first, identity before store, release on any failure) is written once.
import {existsSync, readFileSync} from 'node:fs';
import {
	defaultKeyProtection,
	generateIdentity,
	importSecretKey,
	lockIdentity,
	readKeyProtection,
	readPublicIdentity,
	unlockIdentity,
	type Identity,
	type KeyProtection,
	type PublicIdentity,
} from '../../keys/index.js';
import {dataFilePath, prepareDataDirectory} from './data-dir.js';
import {acquireLock, type Lock} from './lock.js';
import {openSettings, type Settings} from './settings.js';
import {defaultKdf, openStore, readKeyFile, writeFileDurably, type Store, type KdfParameters} from '../store/index.js';

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
	/** scrypt parameters for a new store, which also set the key's Argon2 memory (keyProtectionFor); tests pass small ones. */
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

/** Writes the armored secret key atomically and durably (temporary file, fsync, rename), mode 0600. */
function writeSecretKey(dataDir: string, armored: string): void {
	writeFileDurably(dataFilePath(dataDir, 'identity'), armored);
}

/**
 * The key's Argon2 cost follows the store's scrypt: the same memory per guess (scrypt uses
 * 128 * r * N bytes), so neither file is the cheaper one to attack. The production store
 * (N=2^17, r=8) gives defaultKeyProtection; a test's small store, a small key cost.
 */
export function keyProtectionFor({N, r}: KdfParameters): KeyProtection {
	// Argon2 needs at least 8 KiB per lane.
	const minimumExponent = Math.ceil(Math.log2(8 * defaultKeyProtection.parallelism));
	return {...defaultKeyProtection, memoryExponent: Math.max(minimumExponent, Math.ceil(Math.log2((128 * r * N) / 1024)))};
}

/**
 * Re-locks a key kept under less than the store's cost (an older umbra's iterated S2K) with
 * Argon2. The file is replaced whole, so a crash leaves the old key or the new one, and the same
 * passphrase opens either.
 */
async function upgradeKeyProtection(dataDir: string, armoredSecretKey: string, identity: Identity, passphrase: string): Promise<void> {
	const target = keyProtectionFor(readKeyFile(dataFilePath(dataDir, 'storeKey')).kdf);
	const current = await readKeyProtection({armoredSecretKey});
	if (current && current.memoryExponent >= target.memoryExponent && current.passes >= target.passes) {
		return;
	}

	try {
		writeSecretKey(dataDir, await lockIdentity({identity, passphrase, protection: target}));
	} catch (error) {
		throw new Error(`Could not rewrite ${dataFilePath(dataDir, 'identity')} under stronger protection (${(error as Error).message}); the old file is unchanged. Check that the data directory is writable and has free space, then open it again.`, {cause: error});
	}
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
	return createWith(options, async () => generateIdentity({userId: options.userId, passphrase: options.passphrase, protection: keyProtectionFor(options.kdf ?? defaultKdf)}));
}

/**
 * Imports a GnuPG secret key (armored or binary), unlocked with `keyPassphrase`, and protects it
 * and the new store with `passphrase` (often the same).
 */
export async function importProfile(options: ProfileOptions & {secretKey: string | Uint8Array; keyPassphrase?: string}): Promise<Profile> {
	return createWith(options, async () => importSecretKey({input: options.secretKey, passphrase: options.keyPassphrase ?? options.passphrase, newPassphrase: options.passphrase, protection: keyProtectionFor(options.kdf ?? defaultKdf)}));
}

/**
 * Opens an existing profile. A wrong passphrase throws WrongPassphraseError (from keys: the
 * secret key is unlocked first). A key under weaker protection than the store's is re-locked.
 */
export async function openProfile(options: ProfileOptions): Promise<Profile> {
	return withLock(options.dataDir, async lock => {
		if (!hasIdentity(options.dataDir)) {
			throw new NoIdentityError(options.dataDir);
		}

		const armoredSecretKey = readFileSync(dataFilePath(options.dataDir, 'identity'), 'utf8');
		const identity = await unlockIdentity({armoredSecretKey, passphrase: options.passphrase});
		const profile = await assemble(options, lock, identity, false);
		try {
			// Only now: the store has confirmed the passphrase and its own cost.
			await upgradeKeyProtection(options.dataDir, armoredSecretKey, identity, options.passphrase);
		} catch (error) {
			profile.close();
			throw error;
		}

		return profile;
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
