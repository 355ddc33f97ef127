// The store key: scrypt of the passphrase with a random salt, kept in a small JSON file beside
// the database together with the KDF parameters (so they can be raised later) and a check value.
//
// The check lets a wrong passphrase be told apart from a damaged database: SQLite says "file is
// not a database" for both. It is an HMAC under a second half of the scrypt output, so it costs
// an attacker the same scrypt per guess as trying the database itself.
//
// The database key is handed to SQLite3 Multiple Ciphers as a raw key (x'HEX'), which skips its
// own PBKDF2 (chacha20 cipher: 64007 iterations with the salt in page 1): layering a fast KDF
// on top of a slow one adds nothing.
import {createHmac, randomBytes, scrypt, timingSafeEqual} from 'node:crypto';
import {closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs';
import {dirname} from 'node:path';
import {StoreKeyFileError, WrongPassphraseError} from './errors.js';

export type KdfParameters = {N: number; r: number; p: number};

/** 0.4–0.9 s and 128 MiB per unlock on a 2-core EPYC VM (measured 2026); raise it in new key files as machines get faster. */
export const defaultKdf: KdfParameters = {N: 2 ** 17, r: 8, p: 1};

/** The page cipher: ChaCha20-Poly1305 (authenticated, and SQLite3 MC's default). */
export const storeCipher = 'chacha20';

const saltBytes = 32;
const checkLabel = 'umbra/v1/store-check';

export type StoreKeyFile = {
	cipher: typeof storeCipher;
	kdf: KdfParameters;
	salt: Buffer;
	check: Buffer;
};

type KeyFileJson = {
	format: 'umbra-store-key';
	version: 1;
	cipher: string;
	kdf: {name: 'scrypt'} & KdfParameters;
	salt: string;
	check: string;
};

/** Bounds on parameters read from disk, so a damaged file cannot ask for terabytes of memory. */
export function checkKdfParameters({N, r, p}: KdfParameters): string | undefined {
	const isInt = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value);
	if (!isInt(N) || N < 2 || N > 2 ** 22 || (N & (N - 1)) !== 0) {
		return 'has an scrypt N that is not a power of two up to 2^22';
	}

	if (!isInt(r) || r < 1 || r > 32 || !isInt(p) || p < 1 || p > 16) {
		return 'has scrypt r or p out of range';
	}

	if (128 * N * r > 2 ** 30) {
		return 'asks scrypt for more than 1 GiB of memory';
	}

	return undefined;
}

async function runScrypt(passphrase: string, salt: Buffer, {N, r, p}: KdfParameters): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		// Node's default maxmem (32 MiB) is below what N = 2^17 needs.
		scrypt(passphrase, salt, 64, {N, r, p, maxmem: (128 * N * r) + (32 * 1024 * 1024)}, (error, key) => {
			if (error) {
				reject(error);
			} else {
				resolve(key);
			}
		});
	});
}

export type DerivedKeys = {databaseKey: Buffer; check: Buffer};

export async function deriveStoreKeys(passphrase: string, salt: Buffer, kdf: KdfParameters): Promise<DerivedKeys> {
	const output = await runScrypt(passphrase, salt, kdf);
	const databaseKey = output.subarray(0, 32);
	const check = createHmac('sha256', output.subarray(32)).update(checkLabel).digest();
	output.fill(0, 32);
	return {databaseKey, check};
}

/** A new key file for a new store; written before the database so a store never lacks one. */
export async function createKeyFile(path: string, passphrase: string, kdf: KdfParameters, random: (size: number) => Buffer = randomBytes): Promise<{keyFile: StoreKeyFile; databaseKey: Buffer}> {
	const problem = checkKdfParameters(kdf);
	if (problem !== undefined) {
		throw new RangeError(`KDF parameters: ${problem}`);
	}

	const salt = random(saltBytes);
	const {databaseKey, check} = await deriveStoreKeys(passphrase, salt, kdf);
	const keyFile: StoreKeyFile = {cipher: storeCipher, kdf: {...kdf}, salt, check};
	const json: KeyFileJson = {
		format: 'umbra-store-key',
		version: 1,
		cipher: storeCipher,
		kdf: {name: 'scrypt', ...kdf},
		salt: salt.toString('base64'),
		check: check.toString('base64'),
	};
	writeFileDurably(path, `${JSON.stringify(json, null, '\t')}\n`);
	return {keyFile, databaseKey};
}

export function readKeyFile(path: string): StoreKeyFile {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		throw new StoreKeyFileError(path, code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (error as Error).message})`);
	}

	let json: Partial<KeyFileJson>;
	try {
		json = JSON.parse(text) as Partial<KeyFileJson>;
	} catch {
		throw new StoreKeyFileError(path, 'is truncated or damaged (not JSON)');
	}

	if (typeof json !== 'object' || json === null || json.format !== 'umbra-store-key') {
		throw new StoreKeyFileError(path, 'is not an umbra store key file');
	}

	if (json.version !== 1 || json.cipher !== storeCipher || json.kdf?.name !== 'scrypt') {
		throw new StoreKeyFileError(path, 'was written by a newer umbra (unknown version, cipher or KDF); upgrade umbra, or it');
	}

	const kdf = {N: json.kdf.N, r: json.kdf.r, p: json.kdf.p};
	const problem = checkKdfParameters(kdf);
	if (problem !== undefined) {
		throw new StoreKeyFileError(path, problem);
	}

	const salt = decodeBase64(json.salt);
	const check = decodeBase64(json.check);
	if (salt === undefined || salt.length < 16 || check === undefined || check.length !== 32) {
		throw new StoreKeyFileError(path, 'has a salt or check value of the wrong size');
	}

	return {cipher: storeCipher, kdf, salt, check};
}

function decodeBase64(value: unknown): Buffer | undefined {
	if (typeof value !== 'string' || !/^[A-Za-z\d+/]*={0,2}$/.test(value)) {
		return undefined;
	}

	return Buffer.from(value, 'base64');
}

/** Derives the database key, or throws WrongPassphraseError if the check value disagrees. */
export async function unlockKeyFile(keyFile: StoreKeyFile, passphrase: string, databasePath: string): Promise<Buffer> {
	const {databaseKey, check} = await deriveStoreKeys(passphrase, keyFile.salt, keyFile.kdf);
	if (!timingSafeEqual(check, keyFile.check)) {
		databaseKey.fill(0);
		throw new WrongPassphraseError(databasePath);
	}

	return databaseKey;
}

/** Temporary file, fsync, rename, fsync of the directory: the file is whole or absent after a crash. */
export function writeFileDurably(path: string, text: string): void {
	const temporary = `${path}.tmp`;
	const fd = openSync(temporary, 'w', 0o600);
	try {
		writeSync(fd, text);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}

	renameSync(temporary, path);
	const directory = openSync(dirname(path), 'r');
	try {
		fsyncSync(directory);
	} finally {
		closeSync(directory);
	}
}
