import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {open, pairSecret, type Certificate, type Identity} from '../../source/keys/index.js';
import {dayStart, slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {isSafeKrpcMessage} from '../../source/net/krpc-guard.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {Publisher, type PublisherEvent} from '../../source/engine/registry/publisher.js';
import {decodeRecord, encodeRecord, frameValue, parseOnionAddress, recordBytes, RecordSizeError, registryValueBytes, sealDecoy, sealRecord, unframeValue, type RegistryRecord} from '../../source/engine/registry/record.js';
import {MemoryIssuedAtStore, RegistryReader} from '../../source/engine/registry/reader.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime, MemoryRegistry, onions} from '../helpers/registry-helpers.js';

let alice: Identity;
let bob: Identity;
let carol: Identity;
let aliceCert: Certificate;
let bobCert: Certificate;
let carolCert: Certificate;

before(async () => {
	[alice, bob, carol] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureIdentity('carol')]);
	[aliceCert, bobCert, carolCert] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob'), fixtureCertificate('carol')]);
});

const noon = Date.parse('2026-03-10T12:00:00Z');
const sample = (): RegistryRecord => ({reader: bobCert.fingerprint, day: utcDay(noon), onion: onions.a, port: 4242, issuedAt: noon, expiresAt: noon + 3_600_000});

describe('registry record', () => {
	it('round-trips and has one fixed length', () => {
		const bytes = encodeRecord(sample());
		assert.equal(bytes.length, recordBytes);
		assert.deepEqual(decodeRecord(bytes), sample());
	});

	it('parses strictly: any change to version, label, length or onion checksum is refused', () => {
		const bytes = encodeRecord(sample());
		for (const index of [0, 1, 3, 6, 31, 60, 86]) {
			const changed = Uint8Array.from(bytes);
			changed[index] = (changed[index] ?? 0) ^ 0x01;
			assert.equal(decodeRecord(changed), undefined, `byte ${index}`);
		}

		assert.equal(decodeRecord(bytes.subarray(0, recordBytes - 1)), undefined);
		assert.equal(decodeRecord(Uint8Array.from([...bytes, 0])), undefined);
		const noPort = Uint8Array.from(bytes);
		noPort[87] = 0;
		noPort[88] = 0;
		assert.equal(decodeRecord(noPort), undefined);
	});

	it('validates v3 onion addresses with their checksum', () => {
		assert.equal(parseOnionAddress(`${onions.torProject}.onion`), onions.torProject);
		assert.equal(parseOnionAddress(onions.torProject.toUpperCase()), onions.torProject);
		assert.equal(parseOnionAddress(`${onions.torProject.slice(0, 50)}aaaaaa`), undefined);
		assert.equal(parseOnionAddress(onions.torProject.slice(1)), undefined);
		assert.equal(parseOnionAddress('expyuzz4wqqyqhjn.onion'), undefined, 'v2 addresses are gone');
		assert.throws(() => encodeRecord({...sample(), onion: `${onions.a.slice(0, 55)}a`}), TypeError);
	});

	it('frames every sealed record, for legacy and RFC 9580 keys, into exactly registryValueBytes', async () => {
		const lengths = new Set<number>();
		for (const [signer, recipient] of [[alice, bobCert], [alice, carolCert], [carol, aliceCert]] as const) {
			const value = await sealRecord({record: {...sample(), reader: recipient.fingerprint}, signer, recipient, date: new Date(noon)});
			lengths.add(value.length);
			const message = unframeValue(value);
			assert.ok(message && message.length > 400 && message.length < registryValueBytes - 100, `sealed ${message?.length} bytes`);
		}

		const decoy = await sealDecoy({signer: alice, messageBytes: 456, date: new Date(noon)});
		lengths.add(decoy.length);
		assert.deepEqual([...lengths], [registryValueBytes]);
		assert.ok(registryValueBytes <= 996);
	});

	it('refuses to frame a message that does not fit, rather than write an odd size', () => {
		assert.throws(() => frameValue(new Uint8Array(registryValueBytes - 1)), RecordSizeError);
		assert.throws(() => frameValue(new Uint8Array(0)), RecordSizeError);
		assert.equal(frameValue(new Uint8Array(registryValueBytes - 2)).length, registryValueBytes);
	});

	it('survives thousands of random buffers in every parser without throwing', () => {
		for (let round = 0; round < 5000; round++) {
			const size = round % 3 === 0 ? registryValueBytes : Math.floor(Math.random() * 2000);
			const bytes = new Uint8Array(randomBytes(size));
			const message = unframeValue(bytes);
			assert.ok(message === undefined || message.length <= registryValueBytes - 2);
			assert.equal(decodeRecord(bytes), undefined);
			isSafeKrpcMessage(bytes);
		}
	});
});

describe('registry reader on bad values (in-memory registry)', () => {
	it('never throws, never reports a mutated record, and counts every rejection', async () => {
		const registry = new MemoryRegistry();
		const reader = new RegistryReader({identity: bob, registry, clock: {now: () => noon}});
		const day = utcDay(noon);
		const slot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day});
		const good = await sealRecord({record: sample(), signer: alice, recipient: bobCert, date: new Date(noon)});
		registry.plant(slot.publicKey, good);
		const first = await reader.readSlot(aliceCert, day);
		assert.equal(first.status, 'valid');
		const original = first.status === 'valid' ? first.address : undefined;
		const messageEnd = 2 + (unframeValue(good)?.length ?? 0);
		let rejected = 0;
		for (let round = 0; round < 1500; round++) {
			const value = Uint8Array.from(good);
			const mode = round % 4;
			if (mode === 0) {
				// Flip bits inside the length field or the message (padding is not authenticated, by design).
				for (let flips = 1 + (round % 3); flips > 0; flips--) {
					const index = Math.floor(Math.random() * messageEnd);
					value[index] = (value[index] ?? 0) ^ (1 << Math.floor(Math.random() * 8));
				}
			} else if (mode === 1) {
				// A random length field, but never the right one: that leaves the value as it was
				// (1 in 65,536 per round; it happened in CI once).
				let field: Buffer;
				do {
					field = randomBytes(2);
				} while (field.readUInt16BE(0) === messageEnd - 2);
				value.set(field, 0);
			}

			const planted = mode === 2 ? value.subarray(0, Math.floor(Math.random() * registryValueBytes)) : (mode === 3 ? new Uint8Array(randomBytes(Math.floor(Math.random() * 1100))) : value);
			registry.plant(slot.publicKey, planted);
			const reading = await reader.readSlot(aliceCert, day);
			if (reading.status === 'valid') {
				// Only unauthenticated encoding survives a flip: the random key hint and an MPI's bit
				// count in the PKESK. What the record says cannot change.
				assert.equal(mode, 0);
				assert.deepEqual(reading.address, original);
			} else {
				rejected += reading.status === 'rejected' ? 1 : 0;
			}
		}

		const counted = Object.values(reader.counters()).reduce((sum, count) => sum + count, 0);
		assert.equal(counted, rejected);
		assert.ok(rejected > 1400, `${rejected} of 1500 rejected`);
		assert.ok(reader.counters()['wrong-size'] > 0 && reader.counters()['not-for-us'] + reader.counters().malformed > 0);
	});
});

describe('registry reader rollback protection', () => {
	it('ignores (and counts) a genuine but older record replayed over a newer one, across reader restarts', async () => {
		const registry = new MemoryRegistry();
		const store = new MemoryIssuedAtStore();
		const day = utcDay(noon);
		const slot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day});
		const older = await sealRecord({record: {...sample(), onion: onions.a, issuedAt: noon - 60_000}, signer: alice, recipient: bobCert, date: new Date(noon - 60_000)});
		const newer = await sealRecord({record: {...sample(), onion: onions.b}, signer: alice, recipient: bobCert, date: new Date(noon)});
		registry.plant(slot.publicKey, newer, 2);
		const clock = {now: () => noon};
		assert.equal((await new RegistryReader({identity: bob, registry, clock, store}).lookupContact(aliceCert))?.onion, onions.b);
		registry.plant(slot.publicKey, older, 3);
		const restarted = new RegistryReader({identity: bob, registry, clock, store});
		assert.equal(await restarted.lookupContact(aliceCert), undefined);
		assert.equal(restarted.counters().stale, 1);
	});

	it('refuses a record for another day, another reader, expired, or from the future', async () => {
		const registry = new MemoryRegistry();
		const reader = new RegistryReader({identity: bob, registry, clock: {now: () => noon}});
		const day = utcDay(noon);
		const slot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day});
		const cases: Array<[Partial<RegistryRecord>, string]> = [
			[{day: day - 1}, 'wrong-day'],
			[{reader: carolCert.fingerprint}, 'wrong-reader'],
			[{issuedAt: noon - 7_200_000, expiresAt: noon - 1}, 'expired'],
			[{issuedAt: noon + 3_600_000, expiresAt: noon + 7_200_000}, 'from-the-future'],
			[{expiresAt: noon + 10 * 86_400_000}, 'bad-record'],
		];
		for (const [change, reason] of cases) {
			registry.plant(slot.publicKey, await sealRecord({record: {...sample(), ...change}, signer: alice, recipient: bobCert, date: new Date(noon)}));
			assert.deepEqual(await reader.readSlot(aliceCert, day), {status: 'rejected', reason});
		}
	});
});

describe('publisher timing (manual clock, in-memory registry)', () => {
	it('publishes promptly at start, refreshes inside the interval, and stops cleanly', async () => {
		const time = new ManualTime(noon);
		const registry = new MemoryRegistry();
		const events: PublisherEvent[] = [];
		const publisher = new Publisher({identity: alice, registry, contacts: [bobCert, carolCert], onion: {address: onions.a, port: 1}, clock: time, scheduler: time, refreshMs: 40 * 60_000, promptWindowMs: 10_000, onEvent: event => events.push(event)});
		publisher.start();
		assert.equal(registry.puts.length, 0, 'nothing before the prompt window');
		time.advance(10_000);
		await publisher.whenIdle();
		assert.equal(registry.puts.length, 2);
		time.advance(19 * 60_000);
		await publisher.whenIdle();
		assert.equal(registry.puts.length, 2, 'no refresh before refreshMs/2');
		time.advance(21 * 60_000);
		await publisher.whenIdle();
		assert.equal(registry.puts.length, 4, 'each contact refreshed within refreshMs');
		assert.ok(events.every(event => event.type === 'published'));
		const seqs = registry.puts.map(put => put.seq);
		assert.ok(seqs.every(seq => Number.isSafeInteger(seq)));
		publisher.stop();
		assert.equal(time.pendingTimers, 0, 'stop clears every timer');
	});

	it('rewrites promptly on an onion change, with a higher seq', async () => {
		const time = new ManualTime(noon);
		const registry = new MemoryRegistry();
		const publisher = new Publisher({identity: alice, registry, contacts: [bobCert], onion: {address: onions.a, port: 1}, clock: time, scheduler: time, promptWindowMs: 5000});
		publisher.start();
		time.advance(5000);
		await publisher.whenIdle();
		publisher.setOnion({address: `${onions.b}.onion`, port: 2});
		time.advance(5000);
		await publisher.whenIdle();
		assert.equal(registry.puts.length, 2);
		assert.ok((registry.puts[1]?.seq ?? 0) > (registry.puts[0]?.seq ?? 0));
		const reader = new RegistryReader({identity: bob, registry, clock: time});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.b);
		publisher.stop();
	});

	it('publishes the next day once, at a random moment after 21:00 UTC', async () => {
		const start = Date.parse('2026-03-10T20:00:00Z');
		const time = new ManualTime(start);
		const registry = new MemoryRegistry();
		const events: PublisherEvent[] = [];
		const publisher = new Publisher({identity: alice, registry, contacts: [bobCert], onion: {address: onions.a, port: 1}, clock: time, scheduler: time, promptWindowMs: 0, refreshMs: 40 * 60_000, onEvent: event => events.push(event)});
		publisher.start();
		time.advance(60 * 60_000 - 1);
		await publisher.whenIdle();
		const today = utcDay(start);
		assert.ok(events.every(event => event.type === 'published' && event.day === today), 'nothing for tomorrow before 21:00');
		time.advance(3 * 60 * 60_000 - 60_000);
		await publisher.whenIdle();
		const tomorrow = events.filter(event => event.type === 'published' && event.day === today + 1);
		assert.equal(tomorrow.length, 1);
		publisher.stop();
	});

	it('hide() overwrites every live slot with a same-size decoy at a higher seq and stops publishing', async () => {
		const time = new ManualTime(Date.parse('2026-03-10T22:00:00Z'));
		const registry = new MemoryRegistry();
		const publisher = new Publisher({identity: alice, registry, contacts: [bobCert, carolCert], onion: {address: onions.a, port: 1}, clock: time, scheduler: time, promptWindowMs: 0});
		publisher.start();
		time.advance(2 * 60 * 60_000 - 120_000);
		await publisher.whenIdle();
		const day = utcDay(time.now());
		const slots = [day, day + 1].map(slotDay => slotKeyPair({pairSecret: pairSecret({own: alice, contact: bobCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: slotDay}));
		const before = slots.map(slot => registry.items.get(Buffer.from(slot.publicKey).toString('hex')));
		assert.ok(before.every(Boolean), 'today and tomorrow were published');
		await publisher.hide(bob.fingerprint);
		const after = slots.map(slot => registry.items.get(Buffer.from(slot.publicKey).toString('hex')));
		for (const [index, item] of after.entries()) {
			assert.ok(item && item.seq > (before[index]?.seq ?? 0));
			assert.equal(item.value.length, before[index]?.value.length);
			const opened = await open({sealed: unframeValue(item.value) ?? new Uint8Array(1), recipient: bob, senders: [aliceCert]});
			assert.deepEqual(opened, {ok: false, reason: 'not-for-us'});
		}

		const putsAfterHide = registry.puts.length;
		time.advance(3 * 60 * 60_000);
		await publisher.whenIdle();
		assert.ok(registry.puts.slice(putsAfterHide).every(put => !slots.some(slot => Buffer.from(slot.publicKey).equals(put.keyPair.publicKey))));
		const reader = new RegistryReader({identity: bob, registry, clock: time});
		assert.equal(await reader.lookupContact(aliceCert), undefined);
		publisher.stop();
	});
});

describe('registry on a loopback DHT swarm (20 nodes)', () => {
	let swarm: DhtSwarm;
	const registries: DhtRegistry[] = [];
	const joined = async () => {
		const registry = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
		registries.push(registry);
		await registry.start();
		return registry;
	};

	before(async () => {
		swarm = await startDhtSwarm({size: 20});
	});

	after(async () => {
		await Promise.all(registries.map(registry => registry.close()));
		await swarm?.stop();
	});

	it('A publishes for B and C; each finds A; C can neither derive nor open A->B', async () => {
		const [aliceNet, bobNet, carolNet] = await Promise.all([joined(), joined(), joined()]);
		const time = new ManualTime(noon);
		const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: [bobCert, carolCert], onion: {address: onions.a, port: 7000}, clock: time, scheduler: time, promptWindowMs: 0});
		publisher.start();
		time.advance(0);
		await publisher.whenIdle();
		publisher.stop();
		const bobReader = new RegistryReader({identity: bob, registry: bobNet, clock: time});
		const carolReader = new RegistryReader({identity: carol, registry: carolNet, clock: time});
		assert.deepEqual(await bobReader.lookupContact(aliceCert).then(found => found && [found.onion, found.port]), [onions.a, 7000]);
		assert.deepEqual(await carolReader.lookupContact(aliceCert).then(found => found && [found.onion, found.port]), [onions.a, 7000]);

		const day = utcDay(noon);
		const aliceToBob = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day});
		// All Carol can derive with her own pair secret: none of them is A->B's slot.
		const carolSecret = pairSecret({own: carol, contact: aliceCert});
		for (const [publisherFpr, readerFpr] of [[alice.fingerprint, bob.fingerprint], [alice.fingerprint, carol.fingerprint], [bob.fingerprint, alice.fingerprint]]) {
			const guess = slotKeyPair({pairSecret: carolSecret, publisher: publisherFpr ?? '', reader: readerFpr ?? '', day});
			assert.notDeepEqual(guess.publicKey, aliceToBob.publicKey);
		}

		const raw = await carolNet.lookup(aliceToBob.publicKey);
		assert.ok(raw, 'the A->B value is in the DHT');
		const opened = await open({sealed: unframeValue(raw.value) ?? new Uint8Array(1), recipient: carol, senders: [aliceCert], date: new Date(noon)});
		assert.deepEqual(opened, {ok: false, reason: 'not-for-us'});
	});

	it('midnight: a record published at 23:30 UTC for the next day is found at 00:10', async () => {
		const [aliceNet, bobNet] = await Promise.all([joined(), joined()]);
		const evening = Date.parse('2026-03-11T23:30:00Z');
		const time = new ManualTime(evening);
		// A 30-minute lifetime: the record for the 11th (23:30) has expired by 00:10, so only the 12th's can answer.
		const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: [bobCert], onion: {address: onions.c, port: 9000}, clock: time, scheduler: time, promptWindowMs: 0, recordLifetimeMs: 30 * 60_000});
		publisher.start();
		time.advance(29 * 60_000);
		await publisher.whenIdle();
		publisher.stop();
		time.set(Date.parse('2026-03-12T00:10:00Z'));
		const reader = new RegistryReader({identity: bob, registry: bobNet, clock: time});
		const found = await reader.lookupContact(aliceCert);
		assert.equal(found?.onion, onions.c);
		assert.equal(found?.day, utcDay(time.now()));
		assert.ok((found?.issuedAt ?? 0) < dayStart(utcDay(time.now())), 'issued before midnight');
		assert.equal(reader.counters().expired, 0, "today's slot answered, so the 11th's (expired) was not read");
	});

	it('a decoy after hide(): same length, and B finds no valid record for A', async () => {
		const [aliceNet, bobNet] = await Promise.all([joined(), joined()]);
		const time = new ManualTime(noon + 3_600_000);
		const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: [bobCert], onion: {address: onions.b, port: 1234}, clock: time, scheduler: time, promptWindowMs: 0});
		publisher.start();
		time.advance(0);
		await publisher.whenIdle();
		const reader = new RegistryReader({identity: bob, registry: bobNet, clock: time});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.b);
		const slot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: utcDay(time.now())});
		const real = await bobNet.lookup(slot.publicKey);
		time.advance(1000);
		await publisher.hide(bob.fingerprint);
		publisher.stop();
		const decoy = await bobNet.lookup(slot.publicKey);
		assert.ok(real && decoy && decoy.seq > real.seq);
		assert.equal(decoy.value.length, real.value.length);
		assert.equal(await reader.lookupContact(aliceCert), undefined);
		assert.equal(reader.counters()['not-for-us'], 1);
	});
});
