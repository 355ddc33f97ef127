// Lookups of an offline contact are not periodic: each retry delay is drawn from the injected
// random source, uniform in [0.5, 1.5) x a mean that doubles up to the cap. The PeerTable runs
// with a real RegistryReader over an empty in-memory registry (the contact is offline), and a
// scheduler that records each delay instead of waiting it out.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {before, describe, it} from 'node:test';
import type {Certificate, Identity} from '../../source/keys/index.js';
import {RegistryReader} from '../../source/engine/registry/index.js';
import {jitteredDelay} from '../../source/engine/node/jitter.js';
import {PeerTable} from '../../source/engine/node/index.js';
import type {Random} from '../../source/engine/session/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {MemoryRegistry} from '../helpers/registry-helpers.js';
import {Waiters} from '../helpers/waiters.js';

let bob: Identity;
let aliceCert: Certificate;
before(async () => {
	[bob, aliceCert] = await Promise.all([fixtureIdentity('bob'), fixtureCertificate('alice')]);
});

/** The same bytes on every run: SHA-256 of a seed and a counter. */
function seededRandom(seed: string): Random {
	let counter = 0;
	return length => {
		const out = new Uint8Array(length);
		for (let filled = 0; filled < length; filled += 32) {
			out.set(createHash('sha256').update(`${seed}:${counter++}`).digest().subarray(0, length - filled), filled);
		}

		return out;
	};
}

const constant = (byte: number): Random => length => new Uint8Array(length).fill(byte);

/** Runs `rounds` failed lookups of an offline contact; returns each retry delay scheduled. */
async function retryDelays(random: Random, rounds: number, backoffMs = {first: 1000, max: 30_000}): Promise<{delays: number[]; lookups: number}> {
	const timers: Array<{callback: () => void; ms: number}> = [];
	const waiters = new Waiters();
	const registry = new MemoryRegistry();
	// Noon: yesterday's slot is not read, so each lookup is one slot read.
	const reader = new RegistryReader({identity: bob, registry, clock: {now: () => Date.parse('2026-03-10T12:00:00Z')}});
	const table = new PeerTable({
		scheduler: {
			setTimeout(callback, ms) {
				timers.push({callback, ms});
				waiters.wake();
				return timers.length;
			},
			clearTimeout: () => undefined,
		},
		random,
		log: () => undefined,
		backoffMs,
		mayDial: () => true,
		reader: () => reader,
		socks: () => ({host: '127.0.0.1', port: 9}),
		signal: new AbortController().signal,
		async handshake() {
			throw new Error('nothing is dialed: the contact has no address');
		},
	});
	table.add(aliceCert, false);
	table.lookup(aliceCert.fingerprint, 0);
	for (let round = 0; round < rounds; round++) {
		const timer = timers[round];
		assert.ok(timer, `lookup ${round} was scheduled`);
		timer.callback();
		await waiters.until(`retry ${round + 1} to be scheduled`, () => timers[round + 1], 5000);
	}

	return {delays: timers.slice(1).map(timer => timer.ms), lookups: registry.lookups};
}

const means = (rounds: number, first: number, max: number) => Array.from({length: rounds}, (_, index) => Math.min(first * 2 ** index, max));

describe('lookup retries of an offline contact', () => {
	it('are spread within [0.5, 1.5) x a mean that doubles up to the cap, and not all equal at the cap', async () => {
		const rounds = 14;
		const {delays, lookups} = await retryDelays(seededRandom('spread'), rounds);
		const expected = means(rounds, 1000, 30_000);
		assert.equal(lookups, rounds, 'one slot read per lookup');
		for (const [index, delay] of delays.entries()) {
			const mean = expected[index] ?? 0;
			assert.ok(delay >= mean / 2 && delay < mean * 1.5, `retry ${index + 1}: ${delay} ms is within [${mean / 2}, ${mean * 1.5}) ms`);
		}

		const atCap = delays.slice(5);
		assert.equal(atCap.length, 9);
		assert.ok(new Set(atCap).size >= 8, `the delays at the cap differ: ${atCap.join(', ')}`);
		const average = atCap.reduce((sum, delay) => sum + delay, 0) / atCap.length;
		assert.ok(average > 20_000 && average < 40_000, `their average (${average} ms) stays near the 30 s mean`);
	});

	it('reach both ends of the range with the extreme random values', async () => {
		const rounds = 7;
		const expected = means(rounds, 1000, 30_000);
		const low = await retryDelays(constant(0x00), rounds);
		assert.deepEqual(low.delays, expected.map(mean => mean / 2));
		const high = await retryDelays(constant(0xFF), rounds);
		assert.deepEqual(high.delays, expected.map(mean => Math.floor(mean * (0.5 + ((2 ** 32) - 1) / 2 ** 32))));
		assert.ok(high.delays.every((delay, index) => delay < (expected[index] ?? 0) * 1.5));
	});
});

describe('jitteredDelay', () => {
	it('refuses a random source that returns too few bytes', () => {
		assert.throws(() => jitteredDelay(1000, () => new Uint8Array(2)), /wrong number of bytes/);
	});
});
