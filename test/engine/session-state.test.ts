import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {encodeFrameBody} from '../../source/engine/session/codec.js';
import {maxFrameBytes, sealFrame} from '../../source/engine/session/frames.js';
import {deadAfterMs, handleSession, pingAfterMs, startSession, type SessionInput, type SessionReply, type SessionState, type SessionStep} from '../../source/engine/session/session.js';
import {onionA} from '../helpers/session-harness.js';

const now = Date.UTC(2026, 5, 1, 12);
const k1 = new Uint8Array(32).fill(1);
const k2 = new Uint8Array(32).fill(2);
const id = new Uint8Array(32);
const messageId = '00112233445566778899aabbccddeeff';

/** Alice and Bob as the handshake leaves them: each one's send key is the other's receive key. */
function pair(options: {maxFrames?: number} = {}): {alice: SessionState; bob: SessionState} {
	return {
		alice: startSession({keys: {send: k1, receive: k2, id}, now, ...options}),
		bob: startSession({keys: {send: k2, receive: k1, id}, now, ...options}),
	};
}

const writes = (replies: readonly SessionReply[]) => Buffer.concat(replies.flatMap(reply => (reply.type === 'write' ? [reply.bytes] : [])));

/** Feeds inputs in order; returns the last state and everything it said. */
function feed(state: SessionState, ...inputs: SessionInput[]): SessionStep {
	const all: SessionStep = {state, events: [], replies: []};
	for (const input of inputs) {
		const step = handleSession(all.state, input);
		all.state = step.state;
		all.events.push(...step.events);
		all.replies.push(...step.replies);
	}

	return all;
}

describe('session state machine', () => {
	it('carries every kind of frame from one side to the other, in any chunking', () => {
		const {alice, bob} = pair();
		const sent = feed(
			alice,
			{type: 'send', body: {kind: 'presence', state: 'away', status: 'lunch 🍜'}, now},
			{type: 'send', body: {kind: 'message', id: messageId, sentAt: now - 5, text: 'hi bob'}, now},
			{type: 'send', body: {kind: 'typing', on: true}, now},
			{type: 'send', body: {kind: 'onion-change', onion: onionA}, now},
		);
		assert.deepEqual(sent.events, []);
		const bytes = writes(sent.replies);
		const inputs: SessionInput[] = [...bytes].map(byte => ({type: 'data', bytes: Uint8Array.of(byte), now: now + 1}));
		const received = feed(bob, ...inputs);
		assert.deepEqual(received.events, [
			{type: 'presence', state: 'away', status: 'lunch 🍜'},
			{type: 'message', id: messageId, sentAt: now - 5, text: 'hi bob'},
			{type: 'typing', on: true},
			{type: 'onion-change', onion: onionA},
		]);
		assert.deepEqual(received.replies, [], 'no ack before the message is stored');
		assert.equal(received.state.decoder.buffered, 0);
	});

	it('acks a message only after `stored`, and the ack is a delivery for the sender', () => {
		const {alice, bob} = pair();
		const sent = feed(alice, {type: 'send', body: {kind: 'message', id: messageId, sentAt: now, text: 'x'}, now});
		const got = feed(bob, {type: 'data', bytes: writes(sent.replies), now});
		assert.equal(got.events[0]?.type, 'message');
		assert.equal(got.replies.length, 0);
		const stored = feed(got.state, {type: 'stored', id: messageId, now});
		assert.equal(stored.replies.length, 1);
		const delivered = feed(sent.state, {type: 'data', bytes: writes(stored.replies), now});
		assert.deepEqual(delivered.events, [{type: 'delivered', id: messageId}]);
	});

	it('refuses bad commands without closing', () => {
		const {alice} = pair();
		const step = feed(
			alice,
			{type: 'send', body: {kind: 'message', id: 'not hex', sentAt: now, text: 'x'}, now},
			{type: 'send', body: {kind: 'message', id: messageId, sentAt: now, text: 'x'.repeat(16 * 1024 + 1)}, now},
			{type: 'send', body: {kind: 'message', id: messageId, sentAt: now, text: '\uD800'}, now},
			{type: 'send', body: {kind: 'presence', state: 'online', status: 's'.repeat(513)}, now},
		);
		assert.deepEqual(step.events.map(event => event.type), ['refused', 'refused', 'refused', 'refused']);
		assert.deepEqual(step.replies, []);
		assert.equal(step.state.closed, undefined);
	});

	it('pings after 20 s of silence, answers pings with pongs, and a pong counts as life', () => {
		const {alice, bob} = pair();
		const quiet = feed(alice, {type: 'tick', now: now + pingAfterMs - 1});
		assert.deepEqual(quiet.replies, []);
		const ping = feed(quiet.state, {type: 'tick', now: now + pingAfterMs});
		assert.equal(ping.replies.length, 1);
		const again = feed(ping.state, {type: 'tick', now: now + pingAfterMs + 1000});
		assert.deepEqual(again.replies, [], 'one ping per 20 s');
		const pong = feed(bob, {type: 'data', bytes: writes(ping.replies), now: now + pingAfterMs + 100});
		assert.equal(pong.replies.length, 1);
		assert.deepEqual(pong.events, []);
		const alive = feed(again.state, {type: 'data', bytes: writes(pong.replies), now: now + pingAfterMs + 200}, {type: 'tick', now: now + deadAfterMs + 1000});
		assert.equal(alive.state.closed, undefined);
	});

	it('declares a silent peer dead within 60 s of ticks, having pinged it', () => {
		const {alice} = pair();
		const ticks: SessionInput[] = [];
		for (let t = 0; t <= deadAfterMs; t += 5000) {
			ticks.push({type: 'tick', now: now + t});
		}

		const step = feed(alice, ...ticks);
		assert.deepEqual(step.events, [{type: 'closed', reason: 'peer-dead', detail: 'nothing heard from the contact within the keepalive limit'}]);
		assert.equal(step.replies.filter(reply => reply.type === 'write').length, 2, 'pinged at 20 s and 40 s');
		assert.deepEqual(step.replies.at(-1), {type: 'close'});
	});

	it('bye closes both sides; a closed session refuses sends and ignores data', () => {
		const {alice, bob} = pair();
		const bye = feed(alice, {type: 'bye', now});
		assert.equal(bye.state.closed, 'bye-sent');
		assert.deepEqual(bye.replies.map(reply => reply.type), ['write', 'close']);
		const got = feed(bob, {type: 'data', bytes: writes(bye.replies), now});
		assert.equal(got.state.closed, 'bye-received');
		assert.deepEqual(got.replies, [{type: 'close'}]);
		const after = feed(got.state, {type: 'send', body: {kind: 'typing', on: false}, now}, {type: 'data', bytes: new Uint8Array(9), now});
		assert.deepEqual(after.events, [{type: 'refused', reason: 'the session is closed'}]);
		assert.deepEqual(after.replies, []);
	});

	it('a closed stream is reported once, without a close reply', () => {
		const {alice} = pair();
		const step = feed(alice, {type: 'closed', now}, {type: 'closed', now});
		assert.equal(step.events.length, 1);
		assert.equal(step.state.closed, 'transport-closed');
		assert.deepEqual(step.replies, []);
	});

	it('ends with bye before the frame counter runs out', () => {
		const {alice, bob} = pair({maxFrames: 3});
		const step = feed(alice, {type: 'send', body: {kind: 'typing', on: true}, now}, {type: 'send', body: {kind: 'typing', on: false}, now}, {type: 'send', body: {kind: 'typing', on: true}, now});
		assert.equal(step.state.closed, 'counter-exhausted');
		const got = feed(bob, {type: 'data', bytes: writes(step.replies), now});
		assert.deepEqual(got.events.map(event => event.type), ['typing', 'typing', 'closed']);
		assert.equal(got.state.closed, 'bye-received');
	});

	describe('closes with a clear reason on bad input', () => {
		const close = (bytes: Uint8Array) => feed(pair().bob, {type: 'data', bytes, now});
		const frame = (counter: number, body: Uint8Array, key = k1) => sealFrame(key, counter, body);
		const typing = encodeFrameBody({kind: 'typing', on: true});

		it('an oversized length, before waiting for its bytes', () => {
			const header = Buffer.alloc(4);
			header.writeUInt32BE(maxFrameBytes + 1);
			const step = close(header);
			assert.equal(step.state.closed, 'frame-too-large');
			assert.equal(step.state.decoder.buffered, 0);
		});

		it('a length too small for a tag and a kind', () => {
			assert.equal(close(Uint8Array.of(0, 0, 0, 16, ...new Uint8Array(16))).state.closed, 'frame-too-small');
		});

		it('a flipped bit, a wrong key, a replayed or reordered frame', () => {
			const good = frame(0, typing);
			const flipped = good.slice();
			flipped[7]! ^= 1;
			assert.equal(close(flipped).state.closed, 'unauthentic-frame');
			assert.equal(close(frame(0, typing, k2)).state.closed, 'unauthentic-frame');
			assert.equal(close(Buffer.concat([good, good])).state.closed, 'unauthentic-frame');
			assert.equal(close(frame(1, typing)).state.closed, 'unauthentic-frame');
		});

		it('an unknown kind, a malformed body', () => {
			assert.equal(close(frame(0, Uint8Array.of(0x7f))).state.closed, 'unknown-kind');
			assert.equal(close(frame(0, Uint8Array.of(0x04, 2))).state.closed, 'malformed-frame');
			assert.equal(close(frame(0, Uint8Array.of(0x04, 1, 0))).state.closed, 'malformed-frame');
			const badUtf8 = Buffer.concat([Uint8Array.of(0x01, 0, 0, 2), Uint8Array.of(0xc3, 0x28)]);
			const step = close(frame(0, badUtf8));
			assert.equal(step.state.closed, 'malformed-frame');
			assert.match((step.events[0] as {detail: string}).detail, /UTF-8/);
		});

		it('events before the bad frame are kept; nothing after it is read', () => {
			const step = close(Buffer.concat([frame(0, typing), frame(1, Uint8Array.of(0x7f)), frame(2, typing)]));
			assert.deepEqual(step.events.map(event => event.type), ['typing', 'closed']);
		});
	});
});
