// Shared pieces for the registry tests: an in-memory Registry with BEP 44 seq rules, and test
// identities. The manual clock and scheduler they drive across midnight is in manual-time.ts.
import {generateIdentity, type Certificate, type Identity} from '../../source/keys/index.js';
import {testKeyProtection} from './key-fixtures.js';
import type {LookupResult, PublishResult, Registry, RegistryItem} from '../../source/net/registry.js';
import {RegistryError} from '../../source/net/registry.js';

/** An in-memory registry with BEP 44's rule: a store keeps the highest seq. */
export class MemoryRegistry implements Registry {
	readonly maxValueBytes = 996;
	readonly items = new Map<string, LookupResult>();
	readonly puts: RegistryItem[] = [];
	lookups = 0;

	async start(): Promise<void> {
		// Nothing to join.
	}

	async publish(item: RegistryItem): Promise<PublishResult> {
		const key = Buffer.from(item.keyPair.publicKey).toString('hex');
		const current = this.items.get(key);
		if (current && item.seq <= current.seq) {
			throw new RegistryError('302 sequence number less than current');
		}

		this.puts.push(item);
		this.items.set(key, {value: item.value, seq: item.seq});
		return {stored: 1};
	}

	/** Writes a value as a malicious store could serve it (no seq or signature rule). */
	plant(publicKey: Uint8Array, value: Uint8Array, seq = Number.MAX_SAFE_INTEGER): void {
		this.items.set(Buffer.from(publicKey).toString('hex'), {value, seq});
	}

	async lookup(publicKey: Uint8Array): Promise<LookupResult | undefined> {
		this.lookups++;
		return this.items.get(Buffer.from(publicKey).toString('hex'));
	}

	async close(): Promise<void> {
		this.items.clear();
	}
}

/** v3 onion addresses with valid checksums (keys = SHA-256 of "umbra test onion " + name). */
export const onions = {
	a: 'cs5psybp6ah7gqmlggpcjhzdkdrjxikky7iki6uobl4q7c3u5khtscad',
	b: 'faln67v7faaopku64c4ymvu7hoxd5355lxyiqnu3gm2bjchsxib4cyqd',
	c: 'zji3vyizh4wkhsdm24u4vjqa722xy3tlltehm5pyd4n62pwunzewkgad',
	/** The Tor Project's own address: a checksum made by Tor, not by our code. */
	torProject: '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid',
};

export const keyDate = new Date('2026-01-01T00:00:00Z');

/** Fresh legacy-ECC identities (a few hundred ms each): for tests that need more than the fixtures. */
export async function makeIdentities(count: number, prefix = 'contact'): Promise<Identity[]> {
	const made: Identity[] = [];
	for (let index = 0; index < count; index++) {
		const {identity} = await generateIdentity({userId: `${prefix}${index} <${prefix}${index}@example.org>`, passphrase: 'test', date: keyDate, protection: testKeyProtection});
		made.push(identity);
	}

	return made;
}

export const certificateOf = (identity: Identity): Certificate => identity.certificate;
