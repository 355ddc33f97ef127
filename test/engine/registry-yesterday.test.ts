// The reader reads yesterday's slot only when today's came back without a valid record, and only
// in the first hours of a day: two slots read together would show DHT nodes which two targets
// belong together. A registry that holds each lookup until the test releases it shows the order.
import assert from 'node:assert/strict';
import {before, describe, it} from 'node:test';
import {pairSecret, type Certificate, type Identity} from '../../source/keys/index.js';
import {slotKeyPair, utcDay} from '../../source/keys/slot.js';
import type {LookupResult} from '../../source/net/registry.js';
import {Publisher, RegistryReader} from '../../source/engine/registry/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {MemoryRegistry, onions} from '../helpers/registry-helpers.js';
import {Waiters} from '../helpers/waiters.js';

let alice: Identity;
let bob: Identity;
let aliceCert: Certificate;
let bobCert: Certificate;
before(async () => {
	[alice, bob, aliceCert, bobCert] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
});

/** Each lookup waits in `pending` until released; `slots` names the day each one asked for. */
class HeldRegistry extends MemoryRegistry {
	readonly pending: Array<{day: number; release: () => void}> = [];
	readonly waiters = new Waiters();
	readonly #days = new Map<string, number>();

	constructor(readonly reader: Identity, readonly publisher: Certificate, days: number[]) {
		super();
		for (const day of days) {
			const {publicKey} = slotKeyPair({pairSecret: pairSecret({own: reader, contact: publisher}), publisher: publisher.fingerprint, reader: reader.fingerprint, day});
			this.#days.set(Buffer.from(publicKey).toString('hex'), day);
		}
	}

	override async lookup(publicKey: Uint8Array): Promise<LookupResult | undefined> {
		const day = this.#days.get(Buffer.from(publicKey).toString('hex')) ?? Number.NaN;
		await new Promise<void>(resolve => {
			this.pending.push({day, release: resolve});
			this.waiters.wake();
		});
		return super.lookup(publicKey);
	}

	async next(index: number): Promise<{day: number; release: () => void}> {
		return this.waiters.until(`slot read ${index + 1}`, () => this.pending[index], 5000);
	}
}

/** Alice publishes for Bob at `at` (her slot of that day only), into `registry`. */
async function publishAt(registry: MemoryRegistry, at: number): Promise<void> {
	const time = new ManualTime(at);
	const publisher = new Publisher({identity: alice, registry, contacts: [bobCert], onion: {address: onions.a, port: 8000}, clock: time, scheduler: time, promptWindowMs: 0, nextDayFromHour: 24});
	publisher.start();
	time.advance(0);
	await publisher.whenIdle();
	publisher.stop();
}

const lateYesterday = Date.parse('2026-04-01T23:00:00Z');
const earlyToday = Date.parse('2026-04-02T00:30:00Z');
const today = utcDay(earlyToday);

describe('the registry reader early in the day', () => {
	it('reads yesterday\'s slot only after today\'s came back empty, and finds the record there', async () => {
		const registry = new HeldRegistry(bob, aliceCert, [today, today - 1]);
		const publishing = publishAt(registry, lateYesterday);
		const reader = new RegistryReader({identity: bob, registry, clock: {now: () => earlyToday}});
		await publishing;
		const found = reader.lookupContact(aliceCert);
		const first = await registry.next(0);
		assert.equal(first.day, today, 'today\'s slot is read first');
		assert.equal(registry.pending.length, 1, 'and alone: yesterday\'s waits for its answer');
		first.release();
		const second = await registry.next(1);
		assert.equal(second.day, today - 1);
		second.release();
		assert.equal((await found)?.onion, onions.a);
		assert.equal(registry.pending.length, 2);
	});

	it('does not read yesterday\'s slot when today\'s holds a valid record', async () => {
		const registry = new HeldRegistry(bob, aliceCert, [today, today - 1]);
		await Promise.all([publishAt(registry, lateYesterday), publishAt(registry, earlyToday - 60_000)]);
		const reader = new RegistryReader({identity: bob, registry, clock: {now: () => earlyToday}});
		const found = reader.lookupContact(aliceCert);
		const first = await registry.next(0);
		assert.equal(first.day, today);
		first.release();
		const address = await found;
		assert.equal(address?.day, today);
		assert.deepEqual(registry.pending.map(read => read.day), [today], 'one slot read: today\'s');
	});

	it('does not read yesterday\'s slot later in the day, even when today\'s is empty', async () => {
		const registry = new HeldRegistry(bob, aliceCert, [today, today - 1]);
		await publishAt(registry, lateYesterday);
		const reader = new RegistryReader({identity: bob, registry, clock: {now: () => Date.parse('2026-04-02T07:00:00Z')}});
		const found = reader.lookupContact(aliceCert);
		(await registry.next(0)).release();
		assert.equal(await found, undefined);
		assert.deepEqual(registry.pending.map(read => read.day), [today]);
	});
});
