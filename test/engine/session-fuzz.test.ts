// 100,200 mutated session frame streams and handshake messages (and 20,000 random plaintexts) into the sans-IO core: nothing may
// throw, buffers stay under their caps, heap stays bounded, and every session ends closed with a
// reason from the documented list. Deterministic (seeded) so a failure can be replayed; the
// seed is in each assertion message.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import {setFlagsFromString} from 'node:v8';
import {runInNewContext} from 'node:vm';
import type {Certificate} from '../../source/keys/index.js';
import {decodeFrameBody, decodeHs1, decodeHs2} from '../../source/engine/session/codec.js';
import {lengthPrefixBytes, maxFrameBytes, maxHandshakeBytes} from '../../source/engine/session/frames.js';
import {handleHandshake, rejectDelayMs, startDialer, startListener, type Contact, type DialerConfig, type HandshakeStep, type ListenerConfig} from '../../source/engine/session/handshake.js';
import {keysHandshakeCrypto} from '../../source/engine/session/keys-crypto.js';
import {ReplayCache} from '../../source/engine/session/replay-cache.js';
import {handleSession, startSession, type SessionCloseReason, type SessionInput, type SessionState} from '../../source/engine/session/session.js';
import {fakeContact, fakeCrypto, onionA, onionB, runHandshake, seededRandom, type FakeContact} from '../helpers/session-harness.js';
import {fixtureIdentity} from '../helpers/key-fixtures.js';

const now = Date.UTC(2026, 5, 1, 12);
const seed = 0x5e55_1011;

/** mulberry32: small, fast, seeded. */
function prng(start: number) {
	let a = start >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};

	const int = (n: number) => Math.floor(next() * n);
	const bytes = (n: number) => Uint8Array.from({length: n}, () => int(256));
	return {int, bytes};
}

type Rng = ReturnType<typeof prng>;

/** One of: bit flips, truncation, extension, a random length prefix, random bytes. Never a no-op. */
function mutate(rng: Rng, input: Uint8Array): Uint8Array {
	for (;;) {
		let out: Uint8Array;
		switch (rng.int(6)) {
			case 0: {
				out = input.slice();
				for (let flips = 1 + rng.int(3); flips > 0; flips--) {
					const at = rng.int(out.byteLength);
					out[at]! ^= 1 << rng.int(8);
				}

				break;
			}

			case 1: {
				out = input.slice(0, rng.int(input.byteLength));
				break;
			}

			case 2: {
				out = Buffer.concat([input, rng.bytes(1 + rng.int(64))]);
				break;
			}

			case 3: {
				out = input.slice();
				const length = [0, 1, 16, 17, maxFrameBytes, maxFrameBytes + 1, 0xffff_ffff, rng.int(2 ** 32)][rng.int(8)]!;
				new DataView(out.buffer).setUint32(rng.int(2) === 0 ? 0 : Math.min(rng.int(out.byteLength), out.byteLength - 4), length);
				break;
			}

			case 4: {
				out = rng.bytes(rng.int(200));
				break;
			}

			default: {
				// A valid-looking splice: the start of one copy, the end of another.
				const cut = rng.int(input.byteLength);
				out = Buffer.concat([input.subarray(0, cut), input.subarray(rng.int(input.byteLength))]);
			}
		}

		if (!Buffer.from(out).equals(input)) {
			return out;
		}
	}
}

/** Random chunking of a byte string, as the network may deliver it. */
function chunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
	const out: Uint8Array[] = [];
	for (let offset = 0; offset < bytes.byteLength;) {
		const size = 1 + rng.int(rng.int(4) === 0 ? 8 : 600);
		out.push(bytes.subarray(offset, offset + size));
		offset += size;
	}

	return out;
}

const closeReasons = new Set<SessionCloseReason>(['bye-received', 'bye-sent', 'peer-dead', 'transport-closed', 'counter-exhausted', 'frame-too-large', 'frame-too-small', 'unauthentic-frame', 'unknown-kind', 'malformed-frame']);

/** Heap in use after a full collection (V8 lets a running process expose gc to a new context). */
function heapAfterGc(): number {
	setFlagsFromString('--expose-gc');
	const gc = runInNewContext('gc') as unknown;
	assert.equal(typeof gc, 'function', 'gc could not be exposed, so the heap bound cannot be checked');
	(gc as () => void)();
	return process.memoryUsage().heapUsed;
}

describe('fuzzing the session core', () => {
	it('85,000 mutated frame streams: no throw, bounded buffers, always closed with a reason', () => {
		const rng = prng(seed);
		const keys = {send: new Uint8Array(32).fill(1), receive: new Uint8Array(32).fill(2), id: new Uint8Array(32)};
		// A corpus of valid streams from the peer: a few frames of every kind each.
		const corpus: Uint8Array[] = [];
		for (let index = 0; index < 40; index++) {
			let peer = startSession({keys: {send: keys.receive, receive: keys.send, id: keys.id}, now});
			const out: Uint8Array[] = [];
			const bodies: SessionInput[] = [
				{type: 'send', body: {kind: 'presence', state: 'busy', status: 'x'.repeat(rng.int(40))}, now},
				{type: 'send', body: {kind: 'message', id: Buffer.from(rng.bytes(16)).toString('hex'), sentAt: now, text: 'héllo '.repeat(1 + rng.int(30))}, now},
				{type: 'stored', id: Buffer.from(rng.bytes(16)).toString('hex'), now},
				{type: 'send', body: {kind: 'typing', on: rng.int(2) === 1}, now},
				{type: 'send', body: {kind: 'onion-change', onion: rng.int(2) === 1 ? onionA : onionB}, now},
				{type: 'tick', now: now + 25_000},
			];
			for (const input of bodies.slice(0, 1 + rng.int(bodies.length))) {
				const step = handleSession(peer, input);
				peer = step.state;
				out.push(...step.replies.flatMap(reply => (reply.type === 'write' ? [reply.bytes] : [])));
			}

			corpus.push(Buffer.concat(out));
		}

		const before = heapAfterGc();
		const counts = new Map<string, number>();
		for (let round = 0; round < 85_000; round++) {
			const stream = mutate(rng, corpus[rng.int(corpus.length)]!);
			let state: SessionState = startSession({keys, now});
			const where = `seed ${seed}, round ${round}`;
			try {
				for (const bytes of chunks(rng, stream)) {
					state = handleSession(state, {type: 'data', bytes, now}).state;
					assert.ok(state.decoder.buffered < lengthPrefixBytes + maxFrameBytes, where);
				}

				// A valid prefix leaves the session open, waiting: the stream then ends.
				const end = handleSession(state, {type: 'closed', now});
				state = end.state;
			} catch (error) {
				assert.fail(`${where}: handleSession threw ${String(error)}`);
			}

			assert.ok(state.closed && closeReasons.has(state.closed), `${where}: closed with ${String(state.closed)}`);
			counts.set(state.closed, (counts.get(state.closed) ?? 0) + 1);
		}

		for (const reason of ['unauthentic-frame', 'frame-too-large', 'transport-closed'] as const) {
			assert.ok((counts.get(reason) ?? 0) > 100, `the fuzzer reaches ${reason}: ${JSON.stringify([...counts])}`);
		}

		const grown = heapAfterGc() - before;
		assert.ok(grown < 32 * 1024 * 1024, `heap grew by ${grown} bytes`);
	});

	it('20,000 plaintexts into the strict codecs: parse or refuse, never throw', () => {
		const rng = prng(seed + 1);
		for (let round = 0; round < 20_000; round++) {
			const bytes = rng.bytes(rng.int(300));
			bytes[0] = rng.int(10);
			for (const decode of [decodeFrameBody, decodeHs1, decodeHs2]) {
				const result = decode(bytes);
				assert.ok(result.ok || result.reason.length > 0);
			}
		}
	});

	/** A listener and dialer fed mutations of a recorded handshake; every stream ends refused. */
	async function fuzzHandshake<C extends Contact>(options: {rounds: number; rng: Rng; dialer: () => DialerConfig<C>; listener: () => ListenerConfig<C>; at: number}) {
		const {rng, at} = options;
		// Fixed seeds in the configs make the recorded hs0 and hs1 valid for every fresh state.
		const recorded = await runHandshake({dialer: options.dialer(), listener: options.listener(), now: at});
		assert.ok(recorded.listenerSession, 'the recorded handshake succeeds');
		const [hs0, hs1, hs2] = recorded.wire.map(w => w.bytes);
		for (let round = 0; round < options.rounds; round++) {
			const where = `seed ${seed}, handshake round ${round}`;
			const events: Array<HandshakeStep<C>['events'][number]> = [];
			const replies: Array<HandshakeStep<C>['replies'][number]> = [];
			const drive = async (state: HandshakeStep<C>['state'], inputs: Uint8Array[]) => {
				for (const bytes of inputs) {
					const step = await handleHandshake(state, {type: 'data', bytes, now: at});
					state = step.state;
					events.push(...step.events);
					replies.push(...step.replies);
					assert.ok(state.decoder.buffered <= lengthPrefixBytes + maxHandshakeBytes + 700, where);
				}

				const timeout = await handleHandshake(state, {type: 'tick', now: at + 60_000});
				events.push(...timeout.events);
				replies.push(...timeout.replies);
			};

			if (round % 2 === 0) {
				const stream = mutate(rng, hs1!);
				await drive(startListener(options.listener(), at).state, chunks(rng, stream));
				assert.equal(events.length, 1, where);
				if (events[0]!.type === 'established') {
					// Bytes appended to a valid hs1 belong to the session, which will refuse them.
					assert.ok(Buffer.from(stream).subarray(0, hs1!.byteLength).equals(hs1!), where);
				} else {
					assert.deepEqual(replies, [{type: 'close', delayMs: rejectDelayMs}], where);
				}
			} else {
				const mutateHs0 = rng.int(4) === 0;
				const stream = mutateHs0 ? Buffer.concat([mutate(rng, hs0!), hs2!]) : Buffer.concat([hs0!, mutate(rng, hs2!)]);
				await drive(startDialer(options.dialer(), at).state, chunks(rng, stream));
				const last = events.at(-1);
				assert.equal(events.length, 1, where);
				// Bytes appended to a valid hs2 are the first session frames, not part of the handshake.
				assert.ok(last?.type === 'failed' || (last?.type === 'established' && Buffer.from(stream).subarray(0, hs0!.byteLength + hs2!.byteLength).equals(Buffer.concat([hs0!, hs2!]))), where);
			}
		}
	}

	it('15,000 mutated handshake messages with fake crypto', async () => {
		const alice: FakeContact = fakeContact('alice');
		const bob: FakeContact = fakeContact('bob');
		await fuzzHandshake({
			rounds: 15_000,
			rng: prng(seed + 2),
			at: now,
			dialer: () => ({crypto: fakeCrypto(alice), random: seededRandom('dialer'), contact: bob, onion: onionB}),
			// A fresh cache each time, so the recorded hs1 would pass but for the mutation.
			listener: () => ({crypto: fakeCrypto(bob), random: seededRandom('listener'), senders: () => [alice], localOnions: [onionB], replayCache: new ReplayCache()}),
		});
	});

	it('200 mutated handshake messages with OpenPGP keys', async () => {
		const [a, b] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob')]);
		const dialerRandom = randomBytes(64);
		const listenerRandom = randomBytes(64);
		// Replayable randomness per fresh state: the nonce and ephemeral key repeat, as the recording needs.
		const replaying = (pool: Uint8Array) => {
			let offset = 0;
			return (n: number) => {
				const out = pool.slice(offset, offset + n);
				offset += n;
				return out.byteLength === n ? out : randomBytes(n);
			};
		};

		await fuzzHandshake<Certificate>({
			rounds: 200,
			rng: prng(seed + 3),
			at: Date.now(),
			dialer: () => ({crypto: keysHandshakeCrypto(a), random: replaying(dialerRandom), contact: b.certificate, onion: onionB}),
			listener: () => ({crypto: keysHandshakeCrypto(b), random: replaying(listenerRandom), senders: () => [a.certificate], localOnions: [onionB], replayCache: new ReplayCache()}),
		});
	});
});
