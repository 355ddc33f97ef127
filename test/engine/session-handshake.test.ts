import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {decodeHs1, encodeHs1} from '../../source/engine/session/codec.js';
import {encodeLengthPrefixed} from '../../source/engine/session/frames.js';
import {
	handleHandshake,
	handshakeTimeoutMs,
	keepSession,
	rejectDelayMs,
	startDialer,
	startListener,
	type DialerConfig,
	type ListenerConfig,
} from '../../source/engine/session/handshake.js';
import {ReplayCache} from '../../source/engine/session/replay-cache.js';
import {fakeContact, fakeCrypto, onionA, onionB, runHandshake, seededRandom, type FakeContact} from '../helpers/session-harness.js';

const alice = fakeContact('alice');
const bob = fakeContact('bob');
const now = Date.UTC(2026, 5, 1, 12);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function configs(seed = 'seed'): {dialer: DialerConfig<FakeContact>; listener: ListenerConfig<FakeContact>} {
	return {
		dialer: {crypto: fakeCrypto(alice), random: seededRandom(`${seed} dialer`), contact: bob, onion: onionB},
		listener: {crypto: fakeCrypto(bob), random: seededRandom(`${seed} listener`), senders: () => [alice], localOnions: [onionB], replayCache: new ReplayCache()},
	};
}

describe('handshake (fake crypto)', () => {
	it('establishes keys that agree across sides and differ per direction', async () => {
		const run = await runHandshake({...configs(), now});
		assert.deepEqual(run.dialer.map(event => event.type), ['established']);
		assert.deepEqual(run.listener.map(event => event.type), ['established']);
		const d = run.dialerSession!;
		const l = run.listenerSession!;
		assert.equal(d.peer.fingerprint, bob.fingerprint);
		assert.equal(l.peer.fingerprint, alice.fingerprint);
		assert.equal(hex(d.keys.send), hex(l.keys.receive));
		assert.equal(hex(d.keys.receive), hex(l.keys.send));
		assert.notEqual(hex(d.keys.send), hex(d.keys.receive));
		assert.equal(hex(d.keys.id), hex(l.keys.id));
		assert.deepEqual(run.wire.map(w => w.from), ['listener', 'dialer', 'listener']);
		assert.equal(run.wire[0]!.bytes.byteLength, 4 + 32, 'hs0 is a length prefix and 32 nonce bytes');
		assert.ok(!run.dialerReplies.some(reply => reply.type === 'close'));
	});

	it('replays exactly: same seeds and time give the same transcript and keys', async () => {
		const first = await runHandshake({...configs('x'), now});
		const second = await runHandshake({...configs('x'), now});
		const third = await runHandshake({...configs('y'), now});
		assert.deepEqual(first.wire.map(w => hex(w.bytes)), second.wire.map(w => hex(w.bytes)));
		assert.equal(hex(first.dialerSession!.keys.send), hex(second.dialerSession!.keys.send));
		assert.notEqual(hex(first.dialerSession!.keys.send), hex(third.dialerSession!.keys.send));
	});

	it('works in any chunking, and hands the dialer bytes that followed hs2', async () => {
		const {dialer: dialerConfig, listener: listenerConfig} = configs();
		const listenerStart = startListener(listenerConfig, now);
		let dialer = startDialer(dialerConfig, now).state;
		let hs1: Uint8Array = new Uint8Array(0);
		const hs0 = (listenerStart.replies[0] as {bytes: Uint8Array}).bytes;
		for (const byte of hs0) {
			const step = await handleHandshake(dialer, {type: 'data', bytes: Uint8Array.of(byte), now});
			dialer = step.state;
			for (const reply of step.replies) {
				assert.equal(reply.type, 'write');
				hs1 = (reply as {bytes: Uint8Array}).bytes;
			}
		}

		assert.ok(hs1.byteLength > 100);
		const listenerStep = await handleHandshake(listenerStart.state, {type: 'data', bytes: hs1, now});
		const hs2 = (listenerStep.replies[0] as {bytes: Uint8Array}).bytes;
		const extra = Uint8Array.of(0, 0, 0, 17, 9, 9);
		const step = await handleHandshake(dialer, {type: 'data', bytes: Buffer.concat([hs2, extra]), now});
		const established = step.events[0];
		assert.equal(established?.type, 'established');
		assert.equal(established.type === 'established' && hex(established.session.leftover), hex(extra));
	});

	it('the listener refuses an hs1 for another onion address (a stale record), a wrong nonce and a foreign listener', async () => {
		const wrongOnion = configs();
		wrongOnion.dialer.onion = onionA;
		const run = await runHandshake({...wrongOnion, now});
		assert.deepEqual(run.listener, [{type: 'failed', reason: 'wrong-onion'}]);
		assert.deepEqual(run.listenerReplies.at(-1), {type: 'close', delayMs: rejectDelayMs});

		const flipNonce = await runHandshake({...configs(), now, tamper: (from, bytes, index) => (index === 0 ? Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(32, 7)]) : bytes)});
		assert.deepEqual(flipNonce.listener, [{type: 'failed', reason: 'wrong-nonce'}]);
	});

	it('a stream accepted before a hide gets no hs2 after it: the senders are asked when the handshake completes', async () => {
		// Hidden after hs0 went out, before hs1 arrived; and hidden while hs1 was being opened.
		for (const hideDuringOpen of [false, true]) {
			const c = configs();
			let senders: FakeContact[] = [alice];
			c.listener.senders = () => senders;
			const crypto = fakeCrypto(bob);
			c.listener.crypto = {
				...crypto,
				async open(sealed, from, date) {
					const opened = await crypto.open(sealed, from, date);
					if (hideDuringOpen) {
						senders = [];
					}

					return opened;
				},
			};
			const listenerStart = startListener(c.listener, now);
			const hs0 = (listenerStart.replies[0] as {bytes: Uint8Array}).bytes;
			const dialerStep = await handleHandshake(startDialer(c.dialer, now).state, {type: 'data', bytes: hs0, now});
			const hs1 = (dialerStep.replies[0] as {bytes: Uint8Array}).bytes;
			if (!hideDuringOpen) {
				senders = [];
			}

			const step = await handleHandshake(listenerStart.state, {type: 'data', bytes: hs1, now});
			assert.deepEqual(step.events, [{type: 'failed', reason: 'not-authenticated'}], `hidden ${hideDuringOpen ? 'while hs1 was opened' : 'before hs1'}`);
			assert.deepEqual(step.replies, [{type: 'close', delayMs: rejectDelayMs}], 'nothing signed is written, only the stranger\'s close');
		}
	});

	it('accepts the previous onion during a rotation', async () => {
		const rotating = configs();
		rotating.listener.localOnions = [onionA, onionB];
		const run = await runHandshake({...rotating, now});
		assert.equal(run.listener[0]?.type, 'established');
	});

	it('accepts clock skew within 10 minutes either way', async () => {
		for (const skew of [-9 * 60_000, 9 * 60_000]) {
			const run = await runHandshake({...configs(), now, dialerNow: now + skew});
			assert.equal(run.listener[0]?.type, 'established', `skew ${skew}`);
			assert.equal(run.dialer[0]?.type, 'established', `skew ${skew}`);
		}
	});

	it('the dialer refuses an hs2 signed by someone else than the contact it dialed', async () => {
		const mallory = fakeContact('mallory');
		const c = configs();
		// Mallory answers on Bob's address, with Alice in her contacts.
		c.listener.crypto = fakeCrypto(mallory);
		const run = await runHandshake({...c, now});
		assert.deepEqual(run.listener, [{type: 'failed', reason: 'not-authenticated'}], 'hs1 was sealed to Bob, not Mallory');
		assert.equal(run.dialer.length, 0);
	});

	it('the dialer refuses an hs2 whose transcript hash does not match its hs1', async () => {
		const c = configs();
		let recordedHs2: Uint8Array | undefined;
		await runHandshake({...c, now, tamper(from, bytes, index) {
			if (index === 2) {
				recordedHs2 = bytes;
			}

			return bytes;
		}});
		// Same seeds, so both nonces repeat and only the time in hs1 differs: only the transcript hash can tell.
		const second = await runHandshake({...configs(), now: now + 1, dialerNow: now + 1, tamper: (from, bytes, index) => (index === 2 ? recordedHs2 : bytes)});
		assert.deepEqual(second.dialer, [{type: 'failed', reason: 'wrong-transcript'}]);
		assert.deepEqual(second.dialerReplies.at(-1), {type: 'close', delayMs: 0});
	});

	it('times out a handshake that does not finish, and reports a closed stream without a close reply', async () => {
		const c = configs();
		const listener = startListener(c.listener, now).state;
		const early = await handleHandshake(listener, {type: 'tick', now: now + handshakeTimeoutMs - 1});
		assert.deepEqual(early.events, []);
		const late = await handleHandshake(early.state, {type: 'tick', now: now + handshakeTimeoutMs});
		assert.deepEqual(late.events, [{type: 'failed', reason: 'timeout'}]);
		assert.deepEqual(late.replies, [{type: 'close', delayMs: rejectDelayMs}]);
		const after = await handleHandshake(late.state, {type: 'data', bytes: new Uint8Array(10), now});
		assert.deepEqual(after, {state: late.state, events: [], replies: []});

		const dialer = startDialer(c.dialer, now).state;
		const closed = await handleHandshake(dialer, {type: 'closed', now});
		assert.deepEqual(closed.events, [{type: 'failed', reason: 'transport-closed'}]);
		assert.deepEqual(closed.replies, []);
	});

	it('the dialer refuses an hs0 that is not exactly 32 bytes', async () => {
		const dialer = startDialer(configs().dialer, now).state;
		const step = await handleHandshake(dialer, {type: 'data', bytes: encodeLengthPrefixed(new Uint8Array(31)), now});
		assert.deepEqual(step.events, [{type: 'failed', reason: 'malformed'}]);
	});

	it('hs1 plaintexts round-trip through the codec and refuse trailing bytes', () => {
		const hs1 = {dialer: alice.fingerprint, listener: bob.fingerprint, listenerNonce: new Uint8Array(32).fill(1), dialerNonce: new Uint8Array(32).fill(2), onion: onionB, ephemeral: new Uint8Array(32).fill(3), time: now};
		const bytes = encodeHs1(hs1);
		assert.deepEqual(decodeHs1(bytes), {ok: true, value: hs1});
		assert.equal(decodeHs1(Buffer.concat([bytes, Uint8Array.of(0)])).ok, false);
		assert.equal(decodeHs1(bytes.subarray(0, bytes.byteLength - 1)).ok, false);
		const otherVersion = bytes.slice();
		otherVersion[0] = 2;
		assert.equal(decodeHs1(otherVersion).ok, false);
	});
});

describe('keepSession', () => {
	const small = '0'.repeat(40);
	const large = 'F'.repeat(40);
	it('keeps the session dialed by the smaller fingerprint, whatever the order', () => {
		assert.equal(keepSession({dialer: small, establishedAt: 2}, {dialer: large, establishedAt: 1}), 'a');
		assert.equal(keepSession({dialer: large, establishedAt: 1}, {dialer: small, establishedAt: 2}), 'b');
	});

	it('between two dialed by the same side, keeps the later one', () => {
		assert.equal(keepSession({dialer: small, establishedAt: 1}, {dialer: small, establishedAt: 2}), 'b');
		assert.equal(keepSession({dialer: small, establishedAt: 3}, {dialer: small, establishedAt: 2}), 'a');
	});
});
