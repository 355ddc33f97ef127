// Key agreement of the handshake. The ephemeral X25519 exchange gives forward secrecy beyond
// Tor's own; K_AB (docs/design.md "Registry") binds the keys to the pair of long-term identities
// even if the signatures were somehow bypassed; the transcript hash binds them to this very
// exchange (both nonces, both ephemeral keys, the addresses, the times).
//
//   ikm  = X25519(own ephemeral, peer ephemeral) || K_AB
//   salt = SHA-256(hs0 wire || hs1 wire || hs2 wire)      (each with its length prefix)
//   key(dialer -> listener) = HKDF-SHA256(ikm, salt, "umbra/v1/session dialer->listener", 32)
//   key(listener -> dialer) = HKDF-SHA256(ikm, salt, "umbra/v1/session listener->dialer", 32)
import {createHash, diffieHellman, hkdfSync} from 'node:crypto';
import {rawPrivateKey, rawPublicKey, rawPublicKeyBytes} from '../../keys/raw-keys.js';
import {sessionKeyBytes} from './frames.js';

export type Role = 'dialer' | 'listener';

export type SessionKeys = {
	/** Key of the frames this side sends. */
	send: Uint8Array;
	/** Key of the frames this side receives. */
	receive: Uint8Array;
	/** SHA-256 of the transcript: the same on both sides, unique per session; for logs and ties. */
	id: Uint8Array;
};

export function sha256(...parts: Uint8Array[]): Uint8Array {
	const hash = createHash('sha256');
	for (const part of parts) {
		hash.update(part);
	}

	return new Uint8Array(hash.digest());
}

/** The public key of a raw 32-byte X25519 private key (any 32 bytes are a valid scalar). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
	return rawPublicKeyBytes(rawPrivateKey('x25519', privateKey));
}

/** X25519, or undefined for a low-order peer key (all-zero result) or anything unreadable. */
export function x25519Shared(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array | undefined {
	try {
		const shared = diffieHellman({
			privateKey: rawPrivateKey('x25519', privateKey),
			publicKey: rawPublicKey('x25519', peerPublicKey),
		});
		return shared.every(byte => byte === 0) ? undefined : new Uint8Array(shared);
	} catch {
		return undefined;
	}
}

const info = (from: Role, to: Role) => Buffer.from(`umbra/v1/session ${from}->${to}`, 'ascii');

export function deriveSessionKeys(options: {role: Role; shared: Uint8Array; pairSecret: Uint8Array; transcript: readonly Uint8Array[]}): SessionKeys {
	const {role, shared, pairSecret, transcript} = options;
	const id = sha256(...transcript);
	const ikm = Buffer.concat([shared, pairSecret]);
	const dialerToListener = new Uint8Array(hkdfSync('sha256', ikm, id, info('dialer', 'listener'), sessionKeyBytes));
	const listenerToDialer = new Uint8Array(hkdfSync('sha256', ikm, id, info('listener', 'dialer'), sessionKeyBytes));
	ikm.fill(0);
	return role === 'dialer' ? {send: dialerToListener, receive: listenerToDialer, id} : {send: listenerToDialer, receive: dialerToListener, id};
}
