import {createPrivateKey, createPublicKey, diffieHellman, hkdfSync} from 'node:crypto';
import type {Certificate} from './certificate.js';
import {KeysError} from './errors.js';
import type {Identity} from './identity.js';
import {checkOptions} from './options.js';

const salt = Buffer.from('umbra/v1/pair', 'ascii');

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/**
 * K_AB of docs/design.md ("Registry"): HKDF-SHA256 with ikm = X25519(own encryption subkey, contact's
 * encryption subkey), salt "umbra/v1/pair", info = both raw 20-byte fingerprints, the smaller
 * first, 32 bytes. Both sides compute the same value alone. The label keeps this reuse of the
 * OpenPGP encryption key apart from its use in ECDH encryption.
 */
export function pairSecret(options: {own: Identity; contact: Certificate}): Uint8Array {
	checkOptions('pairSecret', options, ['own', 'contact']);
	const {own, contact} = options;
	const privateKey = createPrivateKey({
		key: {kty: 'OKP', crv: 'X25519', d: base64url(own.x25519Private), x: base64url(own.certificate.encryptionKey.x25519)},
		format: 'jwk',
	});
	const publicKey = createPublicKey({key: {kty: 'OKP', crv: 'X25519', x: base64url(contact.encryptionKey.x25519)}, format: 'jwk'});
	let shared: Buffer;
	try {
		shared = diffieHellman({privateKey, publicKey});
	} catch {
		throw new KeysError(`The encryption key of ${contact.fingerprint} is a degenerate Curve25519 point; it cannot be used. Ask the contact for a new key.`);
	}

	// OpenSSL already refuses an all-zero result; this makes the rule independent of the backend.
	if (shared.every(byte => byte === 0)) {
		throw new KeysError(`The encryption key of ${contact.fingerprint} is a degenerate Curve25519 point; it cannot be used. Ask the contact for a new key.`);
	}

	const a = Buffer.from(own.fingerprint, 'hex');
	const b = Buffer.from(contact.fingerprint, 'hex');
	const info = Buffer.compare(a, b) <= 0 ? Buffer.concat([a, b]) : Buffer.concat([b, a]);
	const secret = new Uint8Array(hkdfSync('sha256', shared, salt, info, 32));
	shared.fill(0);
	return secret;
}
