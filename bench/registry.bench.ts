// Registry cost against its floor. On a 100-node loopback swarm (all in this process), A
// publishes for N contacts and N contacts look A up (today's and yesterday's slot each). The
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
import {generateIdentity, type Identity} from '../source/keys/index.js';
import {ed25519PublicKey} from '../source/keys/slot.js';
import {DhtRegistry} from '../source/net/dht-registry.js';
import type {LookupResult, PublishResult, Registry, RegistryItem} from '../source/net/registry.js';
import {startDhtSwarm} from '../source/net/testnet/dht-swarm.js';
import {Publisher, RegistryReader, registryValueBytes} from '../source/engine/index.js';

export type BenchRow = {name: string; value: number; unit: string; floor: number; ratio: number};

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

export async function run(sizes: readonly number[] = [250, 500, 1000]): Promise<BenchRow[]> {
	const date = new Date(Date.now() - 86_400_000);
	const {identity: alice} = await generateIdentity({userId: 'Bench A <a@example.org>', passphrase: 'bench', date});
	const base: Identity[] = [];
	for (let index = 0; index < 50; index++) {
		base.push((await generateIdentity({userId: `Bench ${index} <b${index}@example.org>`, passphrase: 'bench', date})).identity);
	}

	const contacts = Array.from({length: Math.max(...sizes)}, (_, index) => withFingerprint(base[index % base.length] as Identity, index));
	const swarm = await startDhtSwarm({size: 100});
	const writerNet = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
	const readerNet = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1'});
	const rows: BenchRow[] = [];
	try {
		await Promise.all([writerNet.start(), readerNet.start()]);
		for (const size of sizes) {
			const group = contacts.slice(0, size);
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
				throw new Error(`bench run for ${size} contacts: ${failures} publish failures, ${found} of ${size} found`);
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
			const row = (name: string, value: number, floor: number): BenchRow => ({name, value: Math.round(value), unit: 'ms', floor: Math.round(floor), ratio: Math.round(value / floor * 100) / 100});
			rows.push(
				row(`publish ${size} contacts (${writer.puts} puts), wall`, publish.wallMs, floorPublish.wallMs),
				row(`publish ${size} contacts, CPU`, publish.cpuMs, floorPublish.cpuMs),
				row(`look up ${size} contacts (${reader.gets} gets), wall`, lookup.wallMs, floorLookup.wallMs),
				row(`look up ${size} contacts, CPU`, lookup.cpuMs, floorLookup.cpuMs),
			);
		}
	} finally {
		await Promise.all([writerNet.close(), readerNet.close()]);
		await swarm.stop();
	}

	return rows;
}

function table(rows: readonly BenchRow[]): string {
	const lines = ['| measurement | value | unit | floor | ratio |', '| --- | ---: | --- | ---: | ---: |'];
	for (const {name, value, unit, floor, ratio} of rows) {
		lines.push(`| ${name} | ${value} | ${unit} | ${floor} | ${ratio} |`);
	}

	return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const rows = await run();
	console.log(table(rows));
}
