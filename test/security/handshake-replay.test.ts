// Attack story: an observer (or a contact's compromised relay) records a complete handshake and
// plays it back later, hoping the listener takes it for the dialer coming online again, or
// replays a recorded hs2 to a dialer. A handshake sent with a clock 11 minutes off fails too.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import {generateIdentity} from '../../source/keys/index.js';
import {testKeyProtection} from '../helpers/key-fixtures.js';
import {handleHandshake, rejectDelayMs, startDialer, startListener, type DialerConfig, type HandshakeReply, type ListenerConfig, keysHandshakeCrypto, ReplayCache} from '../../source/engine/index.js';
import {fakeContact, fakeCrypto, onionB, runHandshake, seededRandom, type FakeContact} from '../helpers/session-harness.js';

const alice = fakeContact('alice');
const bob = fakeContact('bob');
const now = Date.UTC(2026, 5, 1, 12);
const minute = 60_000;
const refused = {type: 'close', delayMs: rejectDelayMs} as const;

function dialerConfig(seed: string): DialerConfig<FakeContact> {
	return {crypto: fakeCrypto(alice), random: seededRandom(seed), contact: bob, onion: onionB};
}

function listenerConfig(seed: string, replayCache: ReplayCache): ListenerConfig<FakeContact> {
	return {crypto: fakeCrypto(bob), random: seededRandom(seed), senders: () => [alice], localOnions: [onionB], replayCache};
}

/** A fresh listener stream that gets `hs1` as its answer; what did it say? */
async function replayTo(config: ListenerConfig<FakeContact>, hs1: Uint8Array, at: number) {
	const start = startListener(config, at);
	const step = await handleHandshake(start.state, {type: 'data', bytes: hs1, now: at});
	return {events: step.events, replies: [...start.replies, ...step.replies]};
}

const shapes = (replies: readonly HandshakeReply[]) => replies.map(reply => (reply.type === 'write' ? `write ${reply.bytes.byteLength}` : `close ${reply.delayMs}`));

describe('a replayed handshake', () => {
	it('a recorded hs1 fails on a new stream (new nonce) a minute later', async () => {
		const cache = new ReplayCache();
		const original = await runHandshake({dialer: dialerConfig('d'), listener: listenerConfig('l', cache), now});
		assert.equal(original.listener[0]?.type, 'established');
		const hs1 = original.wire[1]!.bytes;

		const replay = await replayTo(listenerConfig('l2', cache), hs1, now + minute);
		assert.deepEqual(replay.events, [{type: 'failed', reason: 'wrong-nonce'}]);
		assert.deepEqual(shapes(replay.replies), ['write 36', `close ${rejectDelayMs}`]);
	});

	it('a recorded hs1 fails even if the listener repeated its nonce: the dialer nonce is remembered', async () => {
		const cache = new ReplayCache();
		const original = await runHandshake({dialer: dialerConfig('d'), listener: listenerConfig('same', cache), now});
		assert.equal(original.listener[0]?.type, 'established');
		// Same seed: the new stream sends the very same hs0 nonce.
		const replay = await replayTo(listenerConfig('same', cache), original.wire[1]!.bytes, now + minute);
		assert.deepEqual(replay.events, [{type: 'failed', reason: 'replayed'}]);
		assert.deepEqual(replay.replies.at(-1), refused);
	});

	it('the replay cache forgets only after the clock window has closed behind the entry', () => {
		const cache = new ReplayCache({maxEntries: 2});
		assert.equal(cache.remember('x', now), true);
		assert.equal(cache.remember('x', now + 19 * minute), false);
		assert.equal(cache.remember('y', now + minute), true);
		assert.equal(cache.remember('z', now + minute), true);
		assert.equal(cache.size, 2, 'bounded in size');
		assert.equal(cache.remember('y', now + 25 * minute), true, 'expired');
	});

	it('a recorded hs2 fails at a dialer: its own nonce is fresh', async () => {
		const original = await runHandshake({dialer: dialerConfig('d1'), listener: listenerConfig('l', new ReplayCache()), now});
		const [hs0, , hs2] = original.wire.map(w => w.bytes);
		let dialer = startDialer(dialerConfig('d2'), now + minute).state;
		const first = await handleHandshake(dialer, {type: 'data', bytes: hs0!, now: now + minute});
		dialer = first.state;
		const second = await handleHandshake(dialer, {type: 'data', bytes: hs2!, now: now + minute});
		assert.deepEqual(second.events, [{type: 'failed', reason: 'wrong-nonce'}]);
	});

	for (const offset of [-11 * minute, 11 * minute]) {
		it(`an hs1 from a clock ${offset / minute} minutes off fails`, async () => {
			const run = await runHandshake({dialer: dialerConfig('d'), listener: listenerConfig('l', new ReplayCache()), now, dialerNow: now + offset});
			assert.deepEqual(run.listener, [{type: 'failed', reason: 'stale'}]);
			assert.deepEqual(shapes(run.listenerReplies), ['write 36', `close ${rejectDelayMs}`]);
			assert.equal(run.dialerSession, undefined);
		});
	}

	it('with OpenPGP keys, a recorded hs1 on a new stream fails the same way', async () => {
		const [a, b] = await Promise.all(['A <a@example.org>', 'B <b@example.org>'].map(async userId => (await generateIdentity({userId, passphrase: 'p', protection: testKeyProtection})).identity));
		const cache = new ReplayCache();
		const listener = () => ({crypto: keysHandshakeCrypto(b!), random: randomBytes, senders: () => [a!.certificate], localOnions: [onionB], replayCache: cache});
		const original = await runHandshake({dialer: {crypto: keysHandshakeCrypto(a!), random: randomBytes, contact: b!.certificate, onion: onionB}, listener: listener(), now: Date.now()});
		assert.equal(original.listener[0]?.type, 'established');
		const start = startListener(listener(), Date.now());
		const step = await handleHandshake(start.state, {type: 'data', bytes: original.wire[1]!.bytes, now: Date.now()});
		assert.deepEqual(step.events, [{type: 'failed', reason: 'wrong-nonce'}]);
		assert.deepEqual(step.replies, [refused]);
	});
});
