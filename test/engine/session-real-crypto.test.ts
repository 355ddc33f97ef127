// The handshake and a session with the real keys layer: OpenPGP seal/open and K_AB.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {before, describe, it} from 'node:test';
import {generateIdentity, type Certificate, type Identity} from '../../source/keys/index.js';
import {testKeyProtection} from '../helpers/key-fixtures.js';
import type {DialerConfig, ListenerConfig} from '../../source/engine/session/handshake.js';
import {keysHandshakeCrypto} from '../../source/engine/session/keys-crypto.js';
import {ReplayCache} from '../../source/engine/session/replay-cache.js';
import {handleSession, startSession} from '../../source/engine/session/session.js';
import {onionB, runHandshake} from '../helpers/session-harness.js';

let a: Identity;
let b: Identity;
let c: Identity;
const now = Date.now();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

before(async () => {
	const make = async (userId: string) => (await generateIdentity({userId, passphrase: 'p', protection: testKeyProtection})).identity;
	[a, b, c] = await Promise.all([make('A <a@example.org>'), make('B <b@example.org>'), make('C <c@example.org>')]);
});

function configs(dialer: Identity, listener: Identity, senders: readonly Certificate[]): {dialer: DialerConfig<Certificate>; listener: ListenerConfig<Certificate>} {
	return {
		dialer: {crypto: keysHandshakeCrypto(dialer), random: randomBytes, contact: listener.certificate, onion: onionB},
		listener: {crypto: keysHandshakeCrypto(listener), random: randomBytes, senders: () => senders, localOnions: [onionB], replayCache: new ReplayCache()},
	};
}

describe('handshake with OpenPGP keys', () => {
	it('A dials B: both hold the same keys, and a message crosses', async () => {
		const run = await runHandshake({...configs(a, b, [a.certificate, c.certificate]), now});
		const d = run.dialerSession;
		const l = run.listenerSession;
		assert.ok(d && l, JSON.stringify([...run.dialer, ...run.listener].map(event => (event.type === 'failed' ? event.reason : event.type))));
		assert.equal(d.peer.fingerprint, b.fingerprint);
		assert.equal(l.peer.fingerprint, a.fingerprint);
		assert.equal(hex(d.keys.send), hex(l.keys.receive));
		assert.equal(hex(d.keys.receive), hex(l.keys.send));
		assert.notEqual(hex(d.keys.send), hex(d.keys.receive));
		// The sealed handshake does not name its recipient's key: hs1 never holds B's subkey ID.
		const hs1 = Buffer.from(run.wire[1]!.bytes);
		assert.equal(hs1.indexOf(Buffer.from(b.certificate.encryptionKey.keyId, 'hex')), -1);

		const alice = startSession({keys: d.keys, now});
		const bob = startSession({keys: l.keys, now});
		const sent = handleSession(alice, {type: 'send', body: {kind: 'message', id: 'ab'.repeat(16), sentAt: now, text: 'hello over OpenPGP'}, now});
		const bytes = Buffer.concat(sent.replies.map(reply => (reply.type === 'write' ? reply.bytes : new Uint8Array(0))));
		const got = handleSession(bob, {type: 'data', bytes, now});
		assert.deepEqual(got.events, [{type: 'message', id: 'ab'.repeat(16), sentAt: now, text: 'hello over OpenPGP'}]);
	});

	it('C, not among B\'s senders, is refused like a stranger', async () => {
		const run = await runHandshake({...configs(c, b, [a.certificate]), now});
		assert.deepEqual(run.listener, [{type: 'failed', reason: 'not-authenticated'}]);
		assert.equal(run.wire.filter(w => w.from === 'listener').length, 1, 'only hs0');
		assert.equal(run.dialerSession, undefined);
	});
});
