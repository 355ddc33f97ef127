// Attack story: Carol has Bob's onion address (an old record, a guess, a leak) but is not his
// contact; or she is a contact Bob hides from; or she forges a contact's hs1. Whatever she
// tries, Bob's side of the stream must look the same: 32 random bytes, then, after one fixed
// delay, a close. Nothing tells her whether Bob knows her, hides from her, or caught a forgery.
// Checked here on the handshake core's replies (what it writes, and the close delay it asks the
// runner for), without sockets or a clock; stranger-with-identity-learns-nothing.test.ts and
// stranger-dials-engine.test.ts check the wall-clock close of real engines over Tor.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {before, describe, it} from 'node:test';
import {generateIdentity, type Certificate, type Identity} from '../../source/keys/index.js';
import {testKeyProtection} from '../helpers/key-fixtures.js';
import {rejectDelayMs, type Contact, type DialerConfig, type HandshakeCrypto, type HandshakeReply, type ListenerConfig, keysHandshakeCrypto, ReplayCache} from '../../source/engine/index.js';
import {fakeContact, fakeCrypto, onionB, runHandshake, seededRandom, type HandshakeRun} from '../helpers/session-harness.js';

// Fake-crypto runs replay at a fixed time; OpenPGP runs use the real clock (keys are made now).
const now = Date.UTC(2026, 5, 1, 12);

/** What the dialer could observe of the listener: each write's length, each close's delay. */
function listenerBehaviour<C extends Contact>(run: HandshakeRun<C>): string[] {
	return run.listenerReplies.map((reply: HandshakeReply) => (reply.type === 'write' ? `write ${reply.bytes.byteLength}` : `close after ${reply.delayMs} ms`));
}

const expected = ['write 36', `close after ${rejectDelayMs} ms`];

/** Flips one bit near the end of hs1, where the signature (or the fake's MAC) sits. */
const forge = (from: 'dialer' | 'listener', bytes: Uint8Array) => {
	if (from !== 'dialer') {
		return bytes;
	}

	const copy = bytes.slice();
	copy[copy.byteLength - 3]! ^= 0x01;
	return copy;
};

async function scenarios<C extends Contact>(world: {crypto: (who: 'bob' | 'alice' | 'carol') => HandshakeCrypto<C>; person: (who: 'bob' | 'alice' | 'carol') => C; random: (who: string) => (n: number) => Uint8Array; now: number}) {
	const {now} = world;
	const bob = world.person('bob');
	const listener = (senders: readonly C[]): ListenerConfig<C> => ({crypto: world.crypto('bob'), random: world.random('bob'), senders: () => senders, localOnions: [onionB], replayCache: new ReplayCache()});
	const dialer = (who: 'alice' | 'carol'): DialerConfig<C> => ({crypto: world.crypto(who), random: world.random(who), contact: bob, onion: onionB});
	const alice = world.person('alice');
	return {
		'a contact (control)': await runHandshake({dialer: dialer('alice'), listener: listener([alice]), now}),
		'a stranger': await runHandshake({dialer: dialer('carol'), listener: listener([alice]), now}),
		'a hidden contact': await runHandshake({dialer: dialer('alice'), listener: listener([]), now}),
		'a bad signature': await runHandshake({dialer: dialer('alice'), listener: listener([alice]), now, tamper: forge}),
	};
}

function check<C extends Contact>(runs: Record<string, HandshakeRun<C>>) {
	const {'a contact (control)': control, ...refusals} = runs;
	assert.equal(control!.listener[0]?.type, 'established', 'the control handshake works, so the refusals are not an accident of the setup');
	for (const [name, run] of Object.entries(refusals)) {
		assert.deepEqual(listenerBehaviour(run), expected, name);
		assert.equal(run.listener.length, 1, name);
		assert.equal(run.listener[0]?.type, 'failed', name);
		assert.equal(run.dialerSession, undefined, name);
		assert.equal(run.wire.filter(w => w.from === 'listener').length, 1, `${name}: only hs0 went out`);
	}
}

describe('a non-contact learns nothing (fake crypto)', () => {
	it('stranger, hidden contact and bad signature look the same on the wire', async () => {
		const people = {bob: fakeContact('bob'), alice: fakeContact('alice'), carol: fakeContact('carol')};
		const runs = await scenarios({crypto: who => fakeCrypto(people[who]), person: who => people[who], random: who => seededRandom(who), now});
		check(runs);
		// And the 32 bytes are the listener's random nonce, nothing derived from who dials.
		const nonces = Object.values(runs).map(run => Buffer.from(run.wire[0]!.bytes).toString('hex'));
		assert.equal(new Set(nonces).size, 1, 'same seed, same nonce: the hs0 does not depend on the dialer');
	});

	it('the local reasons differ (for the debug log) while the replies do not', async () => {
		const people = {bob: fakeContact('bob'), alice: fakeContact('alice'), carol: fakeContact('carol')};
		const runs = await scenarios({crypto: who => fakeCrypto(people[who]), person: who => people[who], random: who => seededRandom(who), now});
		const reasons = Object.entries(runs).slice(1).map(([, run]) => (run.listener[0]?.type === 'failed' ? run.listener[0].reason : 'none'));
		assert.deepEqual(reasons, ['not-authenticated', 'not-authenticated', 'not-authenticated']);
	});
});

describe('a non-contact learns nothing (OpenPGP keys)', () => {
	const identities: Partial<Record<'bob' | 'alice' | 'carol', Identity>> = {};
	before(async () => {
		for (const who of ['bob', 'alice', 'carol'] as const) {
			identities[who] = (await generateIdentity({userId: who, passphrase: 'p', protection: testKeyProtection})).identity;
		}
	});

	it('stranger, hidden contact and bad signature look the same on the wire', async () => {
		const runs = await scenarios<Certificate>({crypto: who => keysHandshakeCrypto(identities[who]!), person: who => identities[who]!.certificate, random: () => randomBytes, now: Date.now()});
		check(runs);
	});
});
