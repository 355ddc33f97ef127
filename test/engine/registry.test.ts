import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {open, pairSecret, type Certificate, type Identity} from '../../source/keys/index.js';
import {dayStart, slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {isSafeKrpcMessage} from '../../source/net/krpc-guard.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {Publisher, type PublisherEvent} from '../../source/engine/registry/publisher.js';
import {decodeRecord, encodeRecord, recordBytes, sealRecord, type RegistryRecord} from '../../source/engine/registry/record.js';
import {decoyValue, maxSealedBytes, RecordSizeError, registryValueBytes, unwrapValue, wrapValue} from '../../source/engine/registry/value.js';
import {MemoryIssuedAtStore, RegistryReader} from '../../source/engine/registry/reader.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {MemoryRegistry, onions} from '../helpers/registry-helpers.js';

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
/** The slot `signer` writes for `recipient` on `day`. */
const slotFor = (signer: Identity, recipient: Certificate, day = utcDay(noon)) => slotKeyPair({pairSecret: pairSecret({own: signer, contact: recipient}), publisher: signer.fingerprint, reader: recipient.fingerprint, day});

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

	it('refuses to encode an onion address with a wrong checksum', () => {
		assert.throws(() => encodeRecord({...sample(), onion: `${onions.a.slice(0, 55)}a`}), TypeError);
	});

	it('seals every record, for legacy and RFC 9580 keys, into exactly registryValueBytes, with room to spare', async () => {
		const lengths = new Set<number>();
		for (const [signer, recipient] of [[alice, bobCert], [alice, carolCert], [carol, aliceCert]] as const) {
			const slot = slotFor(signer, recipient);
			const value = await sealRecord({record: {...sample(), reader: recipient.fingerprint}, signer, recipient, slot, date: new Date(noon)});
			lengths.add(value.length);
			const unwrapped = unwrapValue({slot, value});
			assert.ok(unwrapped.ok && unwrapped.message.length > 400 && unwrapped.message.length < maxSealedBytes - 150, `sealed ${unwrapped.ok ? unwrapped.message.length : unwrapped.reason}`);
		}

		lengths.add(decoyValue({slot: slotFor(alice, bobCert)}).length);
		assert.deepEqual([...lengths], [registryValueBytes]);
		assert.ok(registryValueBytes <= 996, 'BEP 44: at most 1000 bytes bencoded');
	});

	it('refuses to seal a message that does not fit, rather than write an odd size', () => {
		const slot = slotFor(alice, bobCert);
		assert.throws(() => wrapValue({slot, message: new Uint8Array(maxSealedBytes + 1)}), RecordSizeError);
		assert.throws(() => wrapValue({slot, message: new Uint8Array(0)}), RecordSizeError);
		assert.equal(wrapValue({slot, message: new Uint8Array(maxSealedBytes).fill(7)}).length, registryValueBytes);
		assert.throws(() => wrapValue({slot: {...slot, publicKey: slot.publicKey.subarray(1)}, message: new Uint8Array(1)}), RecordSizeError);
	});

	it('survives thousands of random buffers in every parser without throwing', () => {
		const slot = slotFor(alice, bobCert);
		for (let round = 0; round < 5000; round++) {
			const size = round % 3 === 0 ? registryValueBytes : Math.floor(Math.random() * 2000);
			// Every sixth: our DNS framing with random contents, which only the slot's seal tells apart.
			const bytes = round % 6 === 0 ? decoyValue({slot}) : new Uint8Array(randomBytes(size));

			const unwrapped = unwrapValue({slot, value: bytes});
			assert.deepEqual(unwrapped, {ok: false, reason: round % 6 === 0 ? 'not-from-slot' : 'bad-framing'});
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
		const slot = slotFor(alice, bobCert, day);
		const good = await sealRecord({record: sample(), signer: alice, recipient: bobCert, slot, date: new Date(noon)});
		registry.plant(slot.publicKey, good);
		const first = await reader.readSlot(aliceCert, day);
		assert.equal(first.status, 'valid');
		const original = first.status === 'valid' ? first.address : undefined;
		const unwrapped = unwrapValue({slot, value: good});
		const message = unwrapped.ok ? unwrapped.message : new Uint8Array(0);
		let unchanged = 0;
		for (let round = 0; round < 1500; round++) {
			let planted: Uint8Array = Uint8Array.from(good);
			const mode = round % 5;
			if (mode === 0) {
				// Flip bits anywhere: in the DNS framing, the nonce, the ciphertext or the tag.
				for (let flips = 1 + (round % 3); flips > 0; flips--) {
					const index = Math.floor(Math.random() * planted.length);
					planted[index] = (planted[index] ?? 0) ^ (1 << Math.floor(Math.random() * 8));
				}
			} else if (mode === 1) {
				planted = decoyValue({slot});
			} else if (mode === 2) {
				planted = planted.subarray(0, Math.floor(Math.random() * registryValueBytes));
			} else if (mode === 3) {
				planted = new Uint8Array(randomBytes(Math.floor(Math.random() * 1100)));
			} else {
				// Sealed with the slot's key (as only the pair could), but the message is damaged.
				const damaged = Uint8Array.from(message);
				const index = Math.floor(Math.random() * damaged.length);
				damaged[index] = (damaged[index] ?? 0) ^ (1 << Math.floor(Math.random() * 8));
				planted = wrapValue({slot, message: damaged});
			}

			registry.plant(slot.publicKey, planted);
			const reading = await reader.readSlot(aliceCert, day);
			if (reading.status === 'valid') {
				// Flips that cancel out leave the value as it was. In the OpenPGP message only
				// unauthenticated encoding survives a flip: the random key hint and an MPI's bit count
				// in the PKESK. What the record says cannot change.
				assert.ok(Buffer.from(planted).equals(good) || mode === 4, `mode ${mode} changed the value and was read`);
				assert.deepEqual(reading.address, original);
				unchanged++;
			}
		}

		const counted = Object.values(reader.counters()).reduce((sum, count) => sum + count, 0);
		assert.equal(counted, 1500 - unchanged);
		assert.ok(counted > 1400, `${counted} of 1500 rejected`);
		const counters = reader.counters();
		assert.ok(counters['bad-framing'] > 0 && counters['not-from-slot'] > 0 && counters['not-for-us'] + counters.malformed + counters['bad-signature'] > 0, JSON.stringify(counters));
	});
});

describe('registry reader rollback protection', () => {
	it('ignores (and counts) a genuine but older record replayed over a newer one, across reader restarts', async () => {
		const registry = new MemoryRegistry();
		const store = new MemoryIssuedAtStore();
		const day = utcDay(noon);
		const slot = slotFor(alice, bobCert, day);
		const older = await sealRecord({record: {...sample(), onion: onions.a, issuedAt: noon - 60_000}, signer: alice, recipient: bobCert, slot, date: new Date(noon - 60_000)});
		const newer = await sealRecord({record: {...sample(), onion: onions.b}, signer: alice, recipient: bobCert, slot, date: new Date(noon)});
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
		const slot = slotFor(alice, bobCert, day);
		const cases: Array<[Partial<RegistryRecord>, string]> = [
			[{day: day - 1}, 'wrong-day'],
			[{reader: carolCert.fingerprint}, 'wrong-reader'],
			[{issuedAt: noon - 7_200_000, expiresAt: noon - 1}, 'expired'],
			[{issuedAt: noon + 3_600_000, expiresAt: noon + 7_200_000}, 'from-the-future'],
			[{expiresAt: noon + 10 * 86_400_000}, 'bad-record'],
		];
		for (const [change, reason] of cases) {
			registry.plant(slot.publicKey, await sealRecord({record: {...sample(), ...change}, signer: alice, recipient: bobCert, slot, date: new Date(noon)}));
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

	it('hide() writes nothing more for the contact: its slots keep the last record, bytes and seq, until it expires', async () => {
		const time = new ManualTime(Date.parse('2026-03-10T22:00:00Z'));
		const registry = new MemoryRegistry();
		const publisher = new Publisher({identity: alice, registry, contacts: [bobCert, carolCert], onion: {address: onions.a, port: 1}, clock: time, scheduler: time, promptWindowMs: 0, recordLifetimeMs: 3 * 60 * 60_000});
		publisher.start();
		time.advance(2 * 60 * 60_000 - 120_000);
		await publisher.whenIdle();
		const day = utcDay(time.now());
		const slots = [day, day + 1].map(slotDay => slotKeyPair({pairSecret: pairSecret({own: alice, contact: bobCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: slotDay}));
		const stored = () => slots.map(slot => registry.items.get(Buffer.from(slot.publicKey).toString('hex')));
		const before = stored();
		assert.ok(before.every(Boolean), 'today and tomorrow were published');
		const putsBefore = registry.puts.length;
		publisher.hide(bob.fingerprint);
		// Carol's slot is refreshed meanwhile (the rotation a hide causes would do so too).
		publisher.setOnion({address: onions.b, port: 1});
		time.advance(60 * 60_000);
		await publisher.whenIdle();
		assert.deepEqual(stored(), before, 'the same items, byte for byte and seq for seq, as after an exit');
		const puts = registry.puts.slice(putsBefore);
		assert.ok(puts.length > 0, 'Carol\'s slots were written');
		assert.ok(puts.every(put => !slots.some(slot => Buffer.from(slot.publicKey).equals(put.keyPair.publicKey))), 'nothing was written to Bob\'s slots');
		const reader = new RegistryReader({identity: bob, registry, clock: time});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.a, 'Bob still finds the stale record');
		time.advance(4 * 60 * 60_000);
		await publisher.whenIdle();
		assert.equal(await reader.lookupContact(aliceCert), undefined, 'and nothing once it has expired');
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
		// Even with the slot's public key, none of Carol's value keys opens it.
		for (const [publisherFpr, readerFpr] of [[alice.fingerprint, bob.fingerprint], [alice.fingerprint, carol.fingerprint], [bob.fingerprint, alice.fingerprint]]) {
			const guess = slotKeyPair({pairSecret: carolSecret, publisher: publisherFpr ?? '', reader: readerFpr ?? '', day});
			assert.deepEqual(unwrapValue({slot: {publicKey: aliceToBob.publicKey, valueKey: guess.valueKey}, value: raw.value}), {ok: false, reason: 'not-from-slot'});
		}

		const unwrapped = unwrapValue({slot: aliceToBob, value: raw.value});
		assert.ok(unwrapped.ok);
		const opened = await open({sealed: unwrapped.message, recipient: carol, senders: [aliceCert], date: new Date(noon)});
		assert.deepEqual(opened, {ok: false, reason: 'not-for-us'}, 'and had she the value key, the record is encrypted to Bob');
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

	it('after hide(), B reads the very item A wrote last (same bytes, same seq), as after an exit', async () => {
		const [aliceNet, bobNet] = await Promise.all([joined(), joined()]);
		const time = new ManualTime(noon + 3_600_000);
		const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: [bobCert], onion: {address: onions.b, port: 1234}, clock: time, scheduler: time, promptWindowMs: 0});
		publisher.start();
		time.advance(0);
		await publisher.whenIdle();
		const reader = new RegistryReader({identity: bob, registry: bobNet, clock: time});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.b);
		const slot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: utcDay(time.now())});
		const last = await bobNet.lookup(slot.publicKey);
		time.advance(1000);
		publisher.hide(bob.fingerprint);
		time.advance(60 * 60_000);
		await publisher.whenIdle();
		publisher.stop();
		const after = await bobNet.lookup(slot.publicKey);
		assert.ok(last && after);
		assert.equal(after.seq, last.seq);
		assert.deepEqual(after.value, last.value);
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.b);
	});
});
