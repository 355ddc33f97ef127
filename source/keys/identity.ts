import * as openpgp from 'openpgp';
import {validateCertificate, type Certificate} from './certificate.js';
import {CertificateRejectedError, InvalidUserIdError, KeysError, SecretKeyImportError, WrongPassphraseError} from './errors.js';
import {formatFingerprint} from './fingerprint.js';
import {readKeyBlock} from './key-block.js';
import {rawPrivateKey, rawPublicKeyBytes} from './raw-keys.js';
import {checkOptions, defaultMaxBytes} from './options.js';
import {stripControl} from './sanitize.js';

/** The user's own key, unlocked. Holds secrets: never log it, never persist it unencrypted. */
export type Identity = {
	fingerprint: string;
	keyId: string;
	/** The primary user ID ('' for a key without one), stripped of control characters. */
	userId: string;
	/** Decrypted private key. */
	privateKey: openpgp.PrivateKey;
	/** The public half, checked like any contact's certificate. */
	certificate: Certificate;
	/** Raw 32-byte X25519 private key of the selected encryption subkey, little-endian. */
	x25519Private: Uint8Array;
	/** Raw 32-byte Ed25519 seed of the primary key. */
	ed25519Seed: Uint8Array;
};

function x25519PublicOf(privateKey: Uint8Array): Uint8Array {
	let key;
	try {
		key = rawPrivateKey('x25519', privateKey);
	} catch {
		// The DER is well formed by construction. Node 20 fails a key parse when another operation
		// left an error on OpenSSL's queue (seen once in CI: ERR_OSSL_ASN1_WRONG_TAG while two keys
		// were generated at once); the failed call pops that stale error, so one retry is sound.
		key = rawPrivateKey('x25519', privateKey);
	}

	return rawPublicKeyBytes(key);
}

/** Legacy ECDH stores the scalar as a big-endian MPI (leading zeros may be cut); X25519 wants 32 bytes little-endian. */
function x25519PrivateOf(packet: openpgp.SecretSubkeyPacket): Uint8Array | undefined {
	const parameters = packet.privateParams as {d?: Uint8Array; k?: Uint8Array} | null;
	if (packet.algorithm === openpgp.enums.publicKey.ecdh && parameters?.d && parameters.d.length <= 32) {
		const bigEndian = new Uint8Array(32);
		bigEndian.set(parameters.d, 32 - parameters.d.length);
		return bigEndian.reverse();
	}

	if (packet.algorithm === openpgp.enums.publicKey.x25519 && parameters?.k?.length === 32) {
		return parameters.k.slice();
	}

	return undefined;
}

function noSecret(fingerprint: string, what: string): never {
	throw new CertificateRejectedError('no-secret-material', fingerprint, `The secret key ${formatFingerprint(fingerprint)} has no secret material for ${what} (GnuPG exported a stub, e.g. because the key lives on a smartcard or was exported with --export-secret-subkeys). Export the full key: gpg --export-secret-keys --armor ${fingerprint}`);
}

/** Builds the Identity from a decrypted private key, checking it like a contact's certificate. */
async function identityFromKey(privateKey: openpgp.PrivateKey, date: Date): Promise<Identity> {
	const certificate = await validateCertificate(privateKey.toPublic(), date);
	const {fingerprint} = certificate;
	const primary = privateKey.keyPacket as openpgp.SecretKeyPacket;
	const seed = (primary.privateParams as {seed?: Uint8Array} | null)?.seed;
	if (primary.isDummy() || seed?.length !== 32) {
		noSecret(fingerprint, 'its primary key');
	}

	const subkey = privateKey.subkeys.find(candidate => candidate.getFingerprint().toUpperCase() === certificate.encryptionKey.fingerprint);
	const subkeyPacket = subkey?.keyPacket as openpgp.SecretSubkeyPacket | undefined;
	if (!subkeyPacket || !subkey?.isDecrypted() || subkeyPacket.isDummy()) {
		noSecret(fingerprint, `its encryption subkey ${formatFingerprint(certificate.encryptionKey.fingerprint)}`);
	}

	const x25519Private = x25519PrivateOf(subkeyPacket);
	if (!x25519Private || !Buffer.from(x25519PublicOf(x25519Private)).equals(certificate.encryptionKey.x25519)) {
		throw new KeysError(`The secret encryption subkey of ${formatFingerprint(fingerprint)} does not match its public key; the key is damaged. Export it again from GnuPG.`);
	}

	return {fingerprint, keyId: certificate.keyId, userId: await primaryUserId(privateKey, date), privateKey, certificate, x25519Private, ed25519Seed: seed.slice()};
}

/** The primary user ID, stripped of control characters; '' for a key without one. */
async function primaryUserId(key: openpgp.Key, date: Date): Promise<string> {
	if (key.users.length === 0) {
		return '';
	}

	const {user} = await key.getPrimaryUser(date);
	return stripControl(user.userID?.userID ?? '');
}

async function decrypt(privateKey: openpgp.PrivateKey, passphrase: string): Promise<openpgp.PrivateKey> {
	if ((privateKey.keyPacket as openpgp.SecretKeyPacket).isDummy()) {
		noSecret(privateKey.getFingerprint().toUpperCase(), 'its primary key');
	}

	if (privateKey.isDecrypted()) {
		return privateKey;
	}

	try {
		return await openpgp.decryptKey({privateKey, passphrase});
	} catch (error) {
		if (error instanceof Error && /passphrase/i.test(error.message)) {
			throw new WrongPassphraseError();
		}

		throw new SecretKeyImportError(`The secret key could not be unlocked (${stripControl(error instanceof Error ? error.message : String(error)).slice(0, 160)}). Export it again with gpg --export-secret-keys --armor FINGERPRINT.`);
	}
}

/** Argon2 S2K parameters (RFC 9580 section 3.7.1.4): passes t, lanes p, memory 2^memoryExponent KiB. */
export type KeyProtection = {passes: number; parallelism: number; memoryExponent: number};

/**
 * What protects the stored secret key. Whoever copies the data directory guesses the passphrase
 * against the cheaper of this and the store's scrypt (N=2^17, r=8: 128 MiB, written once and
 * read once), so a guess here costs at least as much: Argon2id over the same 128 MiB, three
 * passes (RFC 9106's t=3). Measured on a loaded 2-core machine: about 2 s per derivation here
 * against 1.4 s for the store's scrypt; an unlock derives once per secret packet (primary and
 * subkey), while a guess needs only one.
 */
export const defaultKeyProtection: KeyProtection = {passes: 3, parallelism: 4, memoryExponent: 17};

/** The protection openpgp.js gives a key: Argon2 S2K, which RFC 9580 allows only with AEAD (OCB, which every implementation has). */
function protectionConfig(protection: KeyProtection): Partial<openpgp.Config> {
	return {s2kType: openpgp.enums.s2k.argon2, s2kArgon2Params: protection, aeadProtect: true, preferredAEADAlgorithm: openpgp.enums.aead.ocb};
}

async function lock(privateKey: openpgp.PrivateKey, passphrase: string, protection: KeyProtection): Promise<string> {
	if (passphrase.length === 0) {
		throw new KeysError('An empty passphrase would leave the secret key unprotected on disk. Choose a passphrase.');
	}

	return (await openpgp.encryptKey({privateKey, passphrase, config: protectionConfig(protection)})).armor();
}

/** The identity's secret key locked with `passphrase` under `protection` (default defaultKeyProtection), armored. */
export async function lockIdentity(options: {identity: Identity; passphrase: string; protection?: KeyProtection}): Promise<string> {
	checkOptions('lockIdentity', options, ['identity', 'passphrase', 'protection']);
	return lock(options.identity.privateKey, options.passphrase, options.protection ?? defaultKeyProtection);
}

/**
 * The weakest Argon2 parameters among the stored key's secret packets, or undefined when any of
 * them is protected otherwise (an older umbra's iterated S2K, GnuPG's, or none).
 */
export async function readKeyProtection(options: {armoredSecretKey: string}): Promise<KeyProtection | undefined> {
	checkOptions('readKeyProtection', options, ['armoredSecretKey']);
	const key = await readOneSecretKey(options.armoredSecretKey);
	let weakest: KeyProtection | undefined;
	for (const packet of [key.keyPacket, ...key.subkeys.map(subkey => subkey.keyPacket)] as unknown as Array<{s2kUsage?: number; s2k?: {type: string; t: number; p: number; encodedM: number} | null}>) {
		const {s2k} = packet;
		if (packet.s2kUsage !== 253 || s2k?.type !== 'argon2') {
			return undefined;
		}

		weakest = {
			passes: Math.min(weakest?.passes ?? s2k.t, s2k.t),
			parallelism: Math.min(weakest?.parallelism ?? s2k.p, s2k.p),
			memoryExponent: Math.min(weakest?.memoryExponent ?? s2k.encodedM, s2k.encodedM),
		};
	}

	return weakest;
}

/** "Name <email>" or "Name" as openpgp.js wants it. */
// The address check openpgp.js applies when it makes the key; checked first so a bad address is
// reported with the format expected, before a passphrase is chosen.
const emailAddress = /^[^\p{C}\p{Z}@<>\\]+@[^\p{C}\p{Z}@<>\\]+[^\p{C}\p{Z}\p{P}]$/u;

/** Splits a user ID into what openpgp.js takes, or says what is wrong with it and what is expected. */
function parseUserId(userId: string): {name?: string; email?: string} {
	if (stripControl(userId) !== userId || userId.trim() === '') {
		throw new InvalidUserIdError(userId, 'it must be a non-empty line of printable text');
	}

	const match = /^(.*?)\s*<([^<>]*)>$/.exec(userId.trim());
	if (!match) {
		if (/[<>]/.test(userId)) {
			throw new InvalidUserIdError(userId, 'the email address must be the last thing, in one pair of angle brackets');
		}

		return {name: userId.trim()};
	}

	const [, name = '', email = ''] = match;
	if (!emailAddress.test(email)) {
		throw new InvalidUserIdError(userId, `"${email}" is not an email address like name@example.org`);
	}

	return name ? {name, email} : {email};
}

/** Throws InvalidUserIdError, with the format expected, unless generateIdentity accepts this user ID. */
export function checkUserId(userId: string): void {
	parseUserId(userId);
}

/**
 * A new v4 identity of the kind GnuPG 2.2 reads: Ed25519 (certify, sign) + Curve25519 ECDH
 * (encrypt), locked under `protection` (default defaultKeyProtection; tests pass smaller ones).
 */
export async function generateIdentity(options: {userId: string; passphrase: string; date?: Date; protection?: KeyProtection}): Promise<{armoredSecretKey: string; identity: Identity}> {
	checkOptions('generateIdentity', options, ['userId', 'passphrase', 'date', 'protection']);
	const date = options.date ?? new Date();
	const userID = parseUserId(options.userId);
	let privateKey: openpgp.PrivateKey;
	try {
		({privateKey} = await openpgp.generateKey({type: 'ecc', curve: 'curve25519Legacy', userIDs: [userID], date, format: 'object'}));
	} catch (error) {
		throw new KeysError(`Could not make a key for "${options.userId}" (${error instanceof Error ? error.message : String(error)}). Check the email address in the user ID.`);
	}

	const armoredSecretKey = await lock(privateKey, options.passphrase, options.protection ?? defaultKeyProtection);
	return {armoredSecretKey, identity: await identityFromKey(privateKey, date)};
}

async function readOneSecretKey(input: string | Uint8Array): Promise<openpgp.PrivateKey> {
	const keys = (await readKeyBlock(input, defaultMaxBytes)).filter(key => key.isPrivate());
	const [key, ...others] = keys;
	if (!key) {
		throw new SecretKeyImportError('This holds no secret key (only public keys). Export the secret key with: gpg --export-secret-keys --armor FINGERPRINT');
	}

	if (others.length > 0) {
		throw new SecretKeyImportError(`This holds ${keys.length} secret keys; umbra needs exactly one. Export one with: gpg --export-secret-keys --armor FINGERPRINT`);
	}

	return key;
}

/** Unlocks the stored identity. A wrong passphrase throws WrongPassphraseError. */
export async function unlockIdentity(options: {armoredSecretKey: string; passphrase: string; date?: Date}): Promise<Identity> {
	checkOptions('unlockIdentity', options, ['armoredSecretKey', 'passphrase', 'date']);
	const privateKey = await decrypt(await readOneSecretKey(options.armoredSecretKey), options.passphrase);
	return identityFromKey(privateKey, options.date ?? new Date());
}

/**
 * Imports `gpg --export-secret-keys --armor` output (or binary). Refuses, saying how to fix it, a
 * key without a Curve25519 encryption subkey, an expired or revoked key, GnuPG stubs without
 * secret material, and a wrong passphrase. The result is locked with `newPassphrase` (default:
 * the same passphrase) under `protection` (default defaultKeyProtection).
 */
export async function importSecretKey(options: {input: string | Uint8Array; passphrase: string; newPassphrase?: string; date?: Date; protection?: KeyProtection}): Promise<{armoredSecretKey: string; identity: Identity}> {
	checkOptions('importSecretKey', options, ['input', 'passphrase', 'newPassphrase', 'date', 'protection']);
	const privateKey = await decrypt(await readOneSecretKey(options.input), options.passphrase);
	const identity = await identityFromKey(privateKey, options.date ?? new Date());
	const armoredSecretKey = await lock(privateKey, options.newPassphrase ?? options.passphrase, options.protection ?? defaultKeyProtection);
	return {armoredSecretKey, identity};
}

/** What the stored identity shows without its passphrase: the public parts only. */
export type PublicIdentity = Pick<Identity, 'fingerprint' | 'keyId' | 'userId' | 'certificate'> & {
	/** The certificate in ASCII armor, as `gpg --import` takes it. */
	armoredPublicKey: string;
};

/**
 * Reads the public half of a stored (passphrase-protected) secret key, checked like a contact's
 * certificate, without unlocking it: OpenPGP keeps public key material in the clear.
 */
export async function readPublicIdentity(options: {armoredSecretKey: string; date?: Date}): Promise<PublicIdentity> {
	checkOptions('readPublicIdentity', options, ['armoredSecretKey', 'date']);
	const date = options.date ?? new Date();
	const publicKey = (await readOneSecretKey(options.armoredSecretKey)).toPublic();
	const certificate = await validateCertificate(publicKey, date);
	return {fingerprint: certificate.fingerprint, keyId: certificate.keyId, userId: await primaryUserId(publicKey, date), certificate, armoredPublicKey: publicKey.armor()};
}

/** The own certificate, armored, as `gpg --import` takes it. */
export function exportPublicKey(identity: Identity): string {
	return identity.privateKey.toPublic().armor();
}
