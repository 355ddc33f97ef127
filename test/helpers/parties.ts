// Fixture people (alice, bob, carol) as users run them: a profile in a data directory of their
// own and openEngine on a client tor of the private network and the loopback DHT swarm, with an
// event log that waits on predicates (never on time). Engines may share a client tor: each has
// its own control connection and onion service.
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {TestContext} from 'node:test';
import {importProfile, openEngine, RegistryReader, type ContactAddress, type EngineApi, type EngineEvent, type Profile} from '../../source/engine/index.js';
import {pairSecret} from '../../source/keys/pair-secret.js';
import {slotKeyPair, utcDay} from '../../source/keys/slot.js';
import type {LookupResult} from '../../source/net/registry.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {dialSocks} from '../../source/net/socks.js';
import {onionAddressOf} from '../../source/net/onion-address.js';
import type {ClientDescription} from '../../source/net/testnet/description.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {fixtureCertificate, fixtureIdentity, fixturePassphrase, fixtureText, type FixtureName} from './key-fixtures.js';
import {Waiters} from './waiters.js';
import type {TorNetworkDescription} from '../../source/net/testnet/description.js';

export type Party = {
	name: FixtureName;
	fingerprint: string;
	profile: Profile;
	engine: EngineApi;
	events: EngineEvent[];
	/** Resolves with the first event (since `from`, an index into events) that matches. */
	waitFor(label: string, predicate: (event: EngineEvent) => boolean, options?: {timeoutMs?: number; from?: number}): Promise<EngineEvent>;
	close(): Promise<void>;
};

export async function startParty(options: {name: FixtureName; contacts: FixtureName[]; directory: string; client: ClientDescription; bootstrap: string[]; registryRelays?: string[]; start?: boolean}): Promise<Party> {
	const dataDir = join(options.directory, options.name);
	mkdirSync(dataDir, {recursive: true, mode: 0o700});
	const profile = await importProfile({dataDir, passphrase: 'party', secretKey: fixtureText(`${options.name}.sec.asc`), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	for (const contact of options.contacts) {
		const certificate = await fixtureCertificate(contact);
		profile.store.addContact({fingerprint: certificate.fingerprint, name: contact, certificate: certificate.key.write()});
	}

	const engine = await openEngine({
		profile,
		torControl: String(options.client.controlPort),
		torControlPassword: options.client.password,
		torSocks: String(options.client.socksPort),
		dhtBootstrap: options.bootstrap,
		...(options.registryRelays ? {registryRelays: options.registryRelays} : {}),
		publishWindowMs: 500,
		lookupBackoffMs: {first: 500, max: 4000},
		rotationGraceMs: 1000,
	});
	const events: EngineEvent[] = [];
	const waiters = new Waiters();
	engine.subscribe(event => {
		events.push(event);
		waiters.wake();
	});
	const party: Party = {
		name: options.name,
		fingerprint: profile.identity.fingerprint,
		profile,
		engine,
		events,
		async waitFor(label, predicate, waitOptions = {}) {
			return waiters.until(`${label} (at ${options.name})`, () => events.slice(waitOptions.from ?? 0).find(event => predicate(event)), waitOptions.timeoutMs ?? 90_000);
		},
		async close() {
			await engine.stop().catch(() => undefined);
			profile.close();
		},
	};
	if (options.start !== false) {
		await engine.start();
	}

	return party;
}

export const online = (contact: string) => (event: EngineEvent) => event.type === 'contact.online' && event.contact === contact;
export const offline = (contact: string) => (event: EngineEvent) => event.type === 'contact.offline' && event.contact === contact;
export const received = (text: string) => (event: EngineEvent) => event.type === 'message.received' && event.message.body === text;
export const delivered = (id: string) => (event: EngineEvent) => event.type === 'message.state' && event.id === id && event.state === 'delivered';

/**
 * Resolves once an onion address no longer answers through this SOCKS port (a rotation keeps the
 * old service for a short grace); rejects if it still answers after `timeoutMs`.
 */
export async function untilUnreachable(socksPort: number, address: {onion: string; port: number}, timeoutMs = 60_000): Promise<string> {
	const deadline = Date.now() + timeoutMs;
	let attempt = 0;
	// A dial at a time, the next one half a second after the last answered.
	return new Waiters({pollMs: 500}).until(`${address.onion.slice(0, 8)}….onion to stop answering`, async () => {
		try {
			const socket = await dialSocks({proxy: {host: '127.0.0.1', port: socksPort}, destination: {host: onionAddressOf(address.onion), port: address.port}, isolation: {username: `probe-${attempt++}`, password: 'x'}, timeoutMs: Math.max(1000, deadline - Date.now())});
			socket.destroy();
			return undefined;
		} catch (error) {
			return (error as Error).message;
		}
	}, timeoutMs);
}

export type World = {
	first: ClientDescription;
	second: ClientDescription;
	bootstrap: string[];
	/** Starts a party on `client` (its engine too unless `start: false`) and stops it when the test ends. */
	party(name: FixtureName, contacts: FixtureName[], client: ClientDescription, options?: {start?: boolean}): Promise<Party>;
	/** What `reader` can read from the DHT on its own: that fixture's slot of `contact`. */
	read(reader: FixtureName, contact: FixtureName): Promise<ContactAddress | undefined>;
	/** The raw item (value bytes and seq) in today's slot of `contact` for `reader`, as a DHT node serves it. */
	slot(reader: FixtureName, contact: FixtureName): Promise<LookupResult | undefined>;
};

/**
 * The private Tor network's two clients, a 20-node loopback DHT swarm and a temporary directory
 * for parties, all stopped and removed when the test ends (also when it fails).
 */
export async function startWorld(t: TestContext, network: TorNetworkDescription, name: string): Promise<World> {
	const [first, second] = network.clients;
	if (!first || !second) {
		throw new Error('the private Tor network has fewer than two clients');
	}

	const directory = mkdtempSync(join(tmpdir(), `umbra-${name}-`));
	const state: {swarm?: DhtSwarm; parties: Party[]; spy?: DhtRegistry} = {parties: []};
	t.after(async () => {
		await Promise.allSettled(state.parties.map(async party => party.close()));
		await state.spy?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});
	state.swarm = await startDhtSwarm({size: 20});
	const {bootstrap} = state.swarm;
	const spy = async () => {
		if (!state.spy) {
			state.spy = new DhtRegistry({bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
			await state.spy.start();
		}

		return state.spy;
	};

	return {
		first,
		second,
		bootstrap,
		async party(partyName, contacts, client, partyOptions = {}) {
			const party = await startParty({name: partyName, contacts, directory, client, bootstrap, ...partyOptions});
			state.parties.push(party);
			return party;
		},
		async read(reader, contact) {
			return new RegistryReader({identity: await fixtureIdentity(reader), registry: await spy()}).lookupContact(await fixtureCertificate(contact));
		},
		async slot(reader, contact) {
			const [identity, certificate] = await Promise.all([fixtureIdentity(reader), fixtureCertificate(contact)]);
			const keyPair = slotKeyPair({pairSecret: pairSecret({own: identity, contact: certificate}), publisher: certificate.fingerprint, reader: identity.fingerprint, day: utcDay(Date.now())});
			return (await spy()).lookup(keyPair.publicKey);
		},
	};
}
