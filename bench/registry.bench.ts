// Registry cost against its floor. On a 100-node loopback swarm (all in this process), A
// publishes for 1,000 contacts and they look A up (today's and yesterday's slot each), in
// batches that alternate with their floors: medians need several samples, and one full pass
// already takes minutes on 2 cores. The
// floor is the same number of raw BEP 44 operations through the same DhtRegistry objects, with
// the same concurrency and equal-size values, signed the same way, but without OpenPGP: the
// ratio is what sealing, opening and checking records add.
//
// Contacts: 50 real identities, each used under 20 distinct fingerprints (1,000 contacts). Slot
// derivation, sealing and opening do their full work per contact (the fingerprint enters the
// slot and the record; the keys do the crypto), so this measures the same as 1,000 distinct
// keys would, without ~55 s of key generation (54 ms per identity here).
//
//   node --import tsx bench/registry.bench.ts
import {randomBytes} from 'node:crypto';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {generateIdentity, type Identity} from '../source/keys/index.js';
import {ed25519PublicKey} from '../source/keys/slot.js';
import {DhtRegistry} from '../source/net/dht-registry.js';
import type {LookupResult, PublishResult, Registry, RegistryItem} from '../source/net/registry.js';
import {startDhtSwarm} from '../source/net/testnet/dht-swarm.js';
import {Publisher, RegistryReader, registryValueBytes} from '../source/engine/index.js';
import {markdownTable, pairedRow, type BenchRow, type Pair} from './stats.js';

const concurrency = 16;

/** Counts what the engine asks of the registry, so the floor repeats exactly that. */
class CountingRegistry implements Registry {
	puts = 0;
	gets = 0;
	get maxValueBytes() {
		return this.inner.maxValueBytes;
	}

	constructor(readonly inner: Registry) {}
	async start() {
		await this.inner.start();
	}

	async publish(item: RegistryItem): Promise<PublishResult> {
		this.puts++;
		return this.inner.publish(item);
	}

	async lookup(publicKey: Uint8Array): Promise<LookupResult | undefined> {
		this.gets++;
		return this.inner.lookup(publicKey);
	}

	async close() {
		await this.inner.close();
	}
}

async function pool<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
	let next = 0;
	await Promise.all(Array.from({length: concurrency}, async () => {
		while (next < items.length) {
			const item = items[next++] as T;
			await work(item);
		}
	}));
}

async function measure(work: () => Promise<void>): Promise<{wallMs: number; cpuMs: number}> {
	const cpu = process.cpuUsage();
	const start = performance.now();
	await work();
	const used = process.cpuUsage(cpu);
	return {wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000};
}

function withFingerprint(identity: Identity, variant: number): Identity {
	const fingerprint = `${variant.toString(16).toUpperCase().padStart(4, '0')}${identity.fingerprint.slice(4)}`;
	return {...identity, fingerprint, certificate: {...identity.certificate, fingerprint}};
}

export async function run(options: {contacts?: number; batches?: number} = {}): Promise<BenchRow[]> {
	const {contacts: total = 1000, batches = 4} = options;
	const size = Math.ceil(total / batches);
	const date = new Date(Date.now() - 86_400_000);
	const {identity: alice} = await generateIdentity({userId: 'Bench A <a@example.org>', passphrase: 'bench', date});
	const base: Identity[] = [];
	for (let index = 0; index < 50; index++) {
		base.push((await generateIdentity({userId: `Bench ${index} <b${index}@example.org>`, passphrase: 'bench', date})).identity);
	}

	const contacts = Array.from({length: size * batches}, (_, index) => withFingerprint(base[index % base.length] as Identity, index));
	const swarm = await startDhtSwarm({size: 100});
	const writerNet = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
	const readerNet = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
	const samples = {publishWall: [] as Pair[], publishCpu: [] as Pair[], lookupWall: [] as Pair[], lookupCpu: [] as Pair[]};
	let puts = 0;
	let gets = 0;
	try {
		await Promise.all([writerNet.start(), readerNet.start()]);
		// Batches alternate with their floors, so both meet the swarm as full as it has become.
		for (let batch = 0; batch < batches; batch++) {
			const group = contacts.slice(batch * size, (batch + 1) * size);
			const writer = new CountingRegistry(writerNet);
			const reader = new CountingRegistry(readerNet);
			let failures = 0;
			const publish = await measure(async () => {
				let done = 0;
				await new Promise<void>(resolve => {
					const publisher = new Publisher({identity: alice, registry: writer, contacts: group.map(contact => contact.certificate), onion: {address: '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid', port: 80}, promptWindowMs: 0, concurrency, nextDayFromHour: 24, onEvent(event) {
						failures += event.type === 'failed' ? 1 : 0;
						if (++done === size) {
							publisher.stop();
							resolve();
						}
					}});
					publisher.start();
				});
			});
			let found = 0;
			const lookup = await measure(async () => {
				// yesterdayWindowMs: a whole day, so every lookup reads today's and yesterday's slot.
				await pool(group, async contact => {
					const address = await new RegistryReader({identity: contact, registry: reader, yesterdayWindowMs: 86_400_000}).lookupContact(alice.certificate);
					found += address ? 1 : 0;
				});
			});
			if (failures > 0 || found !== size) {
				throw new Error(`bench batch of ${size} contacts: ${failures} publish failures, ${found} of ${size} found`);
			}

			// The floor: as many raw puts (fresh keys, equal-size values) and gets (half of them hits).
			const keys = Array.from({length: writer.puts}, () => {
				const secretSeed = new Uint8Array(randomBytes(32));
				return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
			});
			const floorPublish = await measure(async () => {
				await pool(keys, async keyPair => writerNet.publish({keyPair, value: new Uint8Array(randomBytes(registryValueBytes)), seq: Date.now() * 1000}));
			});
			const targets = Array.from({length: reader.gets}, (_, index) => index % 2 === 0 ? keys[(index / 2) % keys.length]?.publicKey ?? new Uint8Array(32) : ed25519PublicKey(randomBytes(32)));
			const floorLookup = await measure(async () => {
				await pool(targets, async publicKey => readerNet.lookup(publicKey));
			});
			// Per 1,000 contacts, so batches of any size compare with the target.
			const scale = 1000 / size;
			const pair = (value: number, floor: number): Pair => ({value: value * scale, floor: floor * scale});
			samples.publishWall.push(pair(publish.wallMs, floorPublish.wallMs));
			samples.publishCpu.push(pair(publish.cpuMs, floorPublish.cpuMs));
			samples.lookupWall.push(pair(lookup.wallMs, floorLookup.wallMs));
			samples.lookupCpu.push(pair(lookup.cpuMs, floorLookup.cpuMs));
			puts += writer.puts;
			gets += reader.gets;
		}
	} finally {
		await Promise.all([writerNet.close(), readerNet.close()]);
		await swarm.stop();
	}

	const batchNote = `${batches} batches of ${size} contacts (${size * batches} in all) on one 100-node swarm, each batch followed by its floor; figures scaled to 1,000 contacts`;
	const linear = (pairs: readonly Pair[]) => `first batch ${Math.round(pairs[0]!.value)} ms, last ${Math.round(pairs.at(-1)!.value)} ms per 1,000 as the swarm fills`;
	return [
		pairedRow({name: `publish, wall, per 1,000 contacts (${puts} puts in all)`, unit: 'ms', floorName: 'raw BEP 44 puts, same count and value size', pairs: samples.publishWall, target: 2, note: `${batchNote}; ${linear(samples.publishWall)}`}),
		pairedRow({name: 'publish, CPU, per 1,000 contacts', unit: 'ms', floorName: 'raw BEP 44 puts, same count and value size', pairs: samples.publishCpu, target: 2}),
		pairedRow({name: `look up, wall, per 1,000 contacts (${gets} gets in all)`, unit: 'ms', floorName: 'raw BEP 44 gets, same count, half hits', pairs: samples.lookupWall, target: 2, note: linear(samples.lookupWall)}),
		pairedRow({name: 'look up, CPU, per 1,000 contacts', unit: 'ms', floorName: 'raw BEP 44 gets, same count, half hits', pairs: samples.lookupCpu, target: 2}),
	];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	// Flags for quick checks: --contacts 200 --batches 2.
	const {values} = parseArgs({options: {contacts: {type: 'string'}, batches: {type: 'string'}}});
	const rows = await run({contacts: Number(values.contacts ?? 1000), batches: Number(values.batches ?? 4)});
	console.log(markdownTable(rows.map(row => ({bench: 'registry', ...row}))));
}
