// Raw 32-byte Ed25519 and X25519 keys as node:crypto KeyObjects. node:crypto reads keys only as
// DER, PEM or JWK, so a raw key is put behind the fixed DER prefix RFC 8410 gives its algorithm
// (PKCS#8 for a private key or seed, SubjectPublicKeyInfo for a public key).
import {createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto';

const derPrefixes = {
	ed25519: {pkcs8: Buffer.from('302e020100300506032b657004220420', 'hex'), spki: Buffer.from('302a300506032b6570032100', 'hex')},
	x25519: {pkcs8: Buffer.from('302e020100300506032b656e04220420', 'hex'), spki: Buffer.from('302a300506032b656e032100', 'hex')},
} as const;

export type RawKeyAlgorithm = keyof typeof derPrefixes;

/** OpenSSL reads a key cut short or padded inside the DER without complaint: check first. */
function checkLength(algorithm: RawKeyAlgorithm, key: Uint8Array): void {
	if (key.byteLength !== 32) {
		throw new TypeError(`A raw ${algorithm} key has 32 bytes, not ${key.byteLength}.`);
	}
}

/** The private key of a raw 32-byte Ed25519 seed or X25519 scalar; throws on a wrong length. */
export function rawPrivateKey(algorithm: RawKeyAlgorithm, key: Uint8Array): KeyObject {
	checkLength(algorithm, key);
	return createPrivateKey({key: Buffer.concat([derPrefixes[algorithm].pkcs8, key]), format: 'der', type: 'pkcs8'});
}

/** The public key of 32 raw bytes; throws on a wrong length. */
export function rawPublicKey(algorithm: RawKeyAlgorithm, key: Uint8Array): KeyObject {
	checkLength(algorithm, key);
	return createPublicKey({key: Buffer.concat([derPrefixes[algorithm].spki, key]), format: 'der', type: 'spki'});
}

/** The raw 32 bytes of an Ed25519 or X25519 public key (its SubjectPublicKeyInfo without the prefix). */
export function rawPublicKeyBytes(key: KeyObject): Uint8Array {
	const algorithm = key.asymmetricKeyType;
	if (algorithm !== 'ed25519' && algorithm !== 'x25519') {
		throw new TypeError(`rawPublicKeyBytes: an Ed25519 or X25519 key, not ${String(algorithm)}.`);
	}

	const publicKey = key.type === 'private' ? createPublicKey(key) : key;
	return new Uint8Array(publicKey.export({format: 'der', type: 'spki'}).subarray(derPrefixes[algorithm].spki.byteLength));
}
