// The handshake's crypto port on top of the keys layer: seal/open are OpenPGP sign+encrypt with
// a random key hint, pairSecret is K_AB. `open` is capped at the handshake size, so an oversized
// message costs no parsing.
import {open, pairSecret, seal, type Certificate, type Identity} from '../../keys/index.js';
import {maxHandshakeBytes} from './frames.js';
import type {HandshakeCrypto} from './handshake.js';

export function keysHandshakeCrypto(identity: Identity): HandshakeCrypto<Certificate> {
	return {
		ownFingerprint: identity.fingerprint,
		seal: async (plaintext, recipient, date) => seal({plaintext, signer: identity, recipient, date}),
		async open(sealed, senders, date) {
			const result = await open({sealed, recipient: identity, senders, date, maxBytes: maxHandshakeBytes});
			return result.ok ? {ok: true, plaintext: result.plaintext, signer: result.signer} : {ok: false, reason: result.reason};
		},
		pairSecret: contact => pairSecret({own: identity, contact}),
	};
}
