// "Always above the last" across restarts, with the real encrypted store: a publisher started
// again with its clock set back an hour still writes above its last seq (the registry would
// refuse a lower one and the contact would keep the old address), and a reader started again
// still refuses a record older than the newest it had read (a DHT node replaying the past).
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, test} from 'node:test';
import type {Certificate, Identity} from '../../source/keys/index.js';
import {Publisher, type PublisherEvent} from '../../source/engine/registry/publisher.js';
import {RegistryReader} from '../../source/engine/registry/reader.js';
import {storedWatermark} from '../../source/engine/registry/watermarks.js';
import {openStore, type Store} from '../../source/engine/store/store.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {MemoryRegistry, onions} from '../helpers/registry-helpers.js';

const noon = Date.parse('2026-03-10T12:00:00Z');
const hour = 3_600_000;
const directory = mkdtempSync(join(tmpdir(), 'umbra-watermarks-'));
let alice: Identity;
let bob: Identity;
let aliceCert: Certificate;
let bobCert: Certificate;

before(async () => {
	[alice, bob, aliceCert, bobCert] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
});

after(() => {
	rmSync(directory, {recursive: true, force: true});
});

async function storeWith(name: string, contact: Certificate): Promise<Store> {
	const store = await openStore({path: join(directory, `${name}.db`), saltPath: join(directory, `${name}.key`), passphrase: 'p', create: true, kdf: {N: 1024, r: 8, p: 1}});
	store.addContact({fingerprint: contact.fingerprint, name: 'contact', certificate: contact.key.write()});
	return store;
}

/** Publishes Alice's record for Bob once and returns the outcome. */
async function publishOnce(options: {store: Store; registry: MemoryRegistry; time: ManualTime; onion: string}): Promise<PublisherEvent> {
	let resolve!: (event: PublisherEvent) => void;
	const outcome = new Promise<PublisherEvent>(done => {
		resolve = done;
	});
	const publisher = new Publisher({
		identity: alice,
		registry: options.registry,
		contacts: [bobCert],
		onion: {address: options.onion, port: 80},
		clock: options.time,
		scheduler: options.time,
		promptWindowMs: 1,
		writeTimes: storedWatermark(options.store, 'lastSeq', () => undefined),
		onEvent(event) {
			resolve(event);
		},
	});
	publisher.start();
	options.time.advance(10);
	try {
		return await outcome;
	} finally {
		publisher.stop();
	}
}

test('a publisher started again with its clock an hour back still writes above its last seq', async () => {
	const store = await storeWith('alice', bobCert);
	const registry = new MemoryRegistry();
	try {
		const first = await publishOnce({store, registry, time: new ManualTime(noon), onion: onions.a});
		assert.equal(first.type, 'published');
		const second = await publishOnce({store, registry, time: new ManualTime(noon - hour), onion: onions.b});
		assert.equal(second.type, 'published', `the second write was refused: ${JSON.stringify(second)}`);
		assert.ok(second.type === 'published' && first.type === 'published' && second.seq > first.seq);
		assert.ok((store.getContact(bobCert.fingerprint)?.lastSeq ?? 0) >= noon * 1000, 'the write time is in the store');

		// Bob reads the newer address, not the older one.
		const reader = new RegistryReader({identity: bob, registry, clock: new ManualTime(noon)});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.b);
	} finally {
		store.close();
	}
});

test('a reader started again refuses a record older than the newest it had read', async () => {
	const aliceStore = await storeWith('alice-2', bobCert);
	const bobStore = await storeWith('bob-2', aliceCert);
	const registry = new MemoryRegistry();
	try {
		// An old record, saved by a DHT node that will replay it.
		await publishOnce({store: aliceStore, registry, time: new ManualTime(noon), onion: onions.a});
		const oldItems = new Map(registry.items);
		await publishOnce({store: aliceStore, registry, time: new ManualTime(noon + hour), onion: onions.b});

		const readerAt = (time: number) => new RegistryReader({identity: bob, registry, clock: new ManualTime(time), store: storedWatermark(bobStore, 'lastRecordIssuedAt', () => undefined)});
		assert.equal((await readerAt(noon + hour).lookupContact(aliceCert))?.onion, onions.b);
		assert.equal(bobStore.getContact(aliceCert.fingerprint)?.lastRecordIssuedAt, noon + hour);

		// Bob restarts; the node serves the old value again (planted: no seq rule for a liar).
		for (const [key, item] of oldItems) {
			registry.items.set(key, item);
		}

		const restarted = readerAt(noon + hour + 60_000);
		assert.equal(await restarted.lookupContact(aliceCert), undefined, 'the replayed older record is refused after a restart');
		assert.equal(restarted.counters().stale, 1);
	} finally {
		aliceStore.close();
		bobStore.close();
	}
});
