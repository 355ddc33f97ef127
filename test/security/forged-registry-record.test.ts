// Attack story: Mallory wants Bob to connect to Mallory's onion service (which would tell
// Mallory that Bob is online) by planting a registry record that claims to be Alice's. Even
// with the slot's secret seed (which Mallory cannot derive; the test hands it over to make the
// attack as strong as possible), whatever Mallory writes is refused and counted, and Bob
// keeps finding Alice's real address.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {pairSecret, type Certificate, type Identity} from '../../source/keys/index.js';
import {slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {decoyValue, Publisher, RegistryReader, registryValueBytes, sealRecord, wrapValue, type RegistryRecord} from '../../source/engine/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {makeIdentities, onions} from '../helpers/registry-helpers.js';

/**
 * The same bytes on every run. Fresh random bytes would make a test that passes or fails by luck:
 * their first two bytes are a plausible length in 638 of 65,536 draws.
 */
/** Fixed noise: random-looking bytes that are the same in every run, so no run passes or fails by luck. */
const noise = (length: number): Uint8Array => new Uint8Array(createHash('shake256', {outputLength: length}).update('forged registry record').digest());

describe('a forged registry record', () => {
	let swarm: DhtSwarm;
	let alice: Identity;
	let bob: Identity;
	let mallory: Identity;
	let aliceCert: Certificate;
	let bobCert: Certificate;
	let carolCert: Certificate;
	const registries: DhtRegistry[] = [];

	before(async () => {
		[alice, bob] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob')]);
		[aliceCert, bobCert, carolCert] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob'), fixtureCertificate('carol')]);
		[mallory] = await makeIdentities(1, 'mallory') as [Identity];
		swarm = await startDhtSwarm({size: 20});
	});

	after(async () => {
		await Promise.all(registries.map(registry => registry.close()));
		await swarm?.stop();
	});

	it('is never reported; Alice\'s real record from yesterday\'s slot still is', async () => {
		const joined = async () => {
			const registry = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
			registries.push(registry);
			await registry.start();
			return registry;
		};

		const [aliceNet, bobNet, malloryNet] = await Promise.all([joined(), joined(), joined()]);

		// Alice publishes at 23:00; Bob reads at 00:30, when yesterday's slot still counts.
		const time = new ManualTime(Date.parse('2026-04-01T23:00:00Z'));
		const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: [bobCert], onion: {address: onions.a, port: 8000}, clock: time, scheduler: time, promptWindowMs: 0, nextDayFromHour: 24});
		publisher.start();
		time.advance(0);
		await publisher.whenIdle();
		publisher.stop();
		time.set(Date.parse('2026-04-02T00:30:00Z'));
		const today = utcDay(time.now());
		const reader = new RegistryReader({identity: bob, registry: bobNet, clock: time});
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.a);

		const todaySlot = slotKeyPair({pairSecret: pairSecret({own: bob, contact: aliceCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: today});
		const record: RegistryRecord = {reader: bob.fingerprint, day: today, onion: onions.c, port: 6666, issuedAt: time.now(), expiresAt: time.now() + 3_600_000};
		const date = new Date(time.now());
		// What Mallory could write without the seed: a value sealed for another slot (her own for Bob).
		const mallorySlot = slotKeyPair({pairSecret: pairSecret({own: mallory, contact: bobCert}), publisher: mallory.fingerprint, reader: bob.fingerprint, day: today});
		const withoutTheSeed = await sealRecord({record, signer: mallory, recipient: bobCert, slot: mallorySlot, date});
		const attacks: Array<{name: string; value: Uint8Array; reason: keyof ReturnType<typeof reader.counters>}> = [
			{name: 'signed by Mallory, encrypted to Bob', value: await sealRecord({record, signer: mallory, recipient: bobCert, slot: todaySlot, date}), reason: 'unknown-signer'},
			{name: 'encrypted to someone else', value: await sealRecord({record: {...record, reader: carolCert.fingerprint}, signer: mallory, recipient: carolCert, slot: todaySlot, date}), reason: 'not-for-us'},
			{name: 'truncated', value: (await sealRecord({record, signer: mallory, recipient: bobCert, slot: todaySlot, date})).subarray(0, 300), reason: 'bad-framing'},
			{name: 'noise sealed with the slot key', value: wrapValue({slot: todaySlot, message: noise(456)}), reason: 'malformed'},
			{name: 'noise', value: noise(registryValueBytes), reason: 'bad-framing'},
			{name: 'random bytes in the DNS framing', value: decoyValue({slot: todaySlot}), reason: 'not-from-slot'},
			{name: 'sealed for another slot, in this slot\'s framing', value: Uint8Array.from([...decoyValue({slot: todaySlot}).subarray(0, 77), ...withoutTheSeed.subarray(77)]), reason: 'not-from-slot'},
			{name: 'sealed for another slot, as it is', value: withoutTheSeed, reason: 'bad-framing'},
		];

		let seq = 2 ** 52;
		for (const attack of attacks) {
			const before = reader.counters()[attack.reason];
			await malloryNet.publish({keyPair: {publicKey: todaySlot.publicKey, secretSeed: todaySlot.seed}, value: attack.value, seq: seq++});
			assert.equal((await bobNet.lookup(todaySlot.publicKey))?.seq, seq - 1, `${attack.name}: planted`);
			const found = await reader.lookupContact(aliceCert);
			assert.equal(found?.onion, onions.a, `${attack.name}: Alice's address still wins`);
			assert.equal(found?.day, today - 1);
			assert.equal(reader.counters()[attack.reason], before + 1, `${attack.name}: counted as ${attack.reason}`);
		}

		// An older seq is refused by the storing nodes; the newest value stays.
		await malloryNet.publish({keyPair: {publicKey: todaySlot.publicKey, secretSeed: todaySlot.seed}, value: attacks[0]?.value ?? new Uint8Array(1), seq: 5}).catch(() => undefined);
		assert.equal((await bobNet.lookup(todaySlot.publicKey))?.seq, seq - 1);
		assert.equal((await reader.lookupContact(aliceCert))?.onion, onions.a);
	});
});
