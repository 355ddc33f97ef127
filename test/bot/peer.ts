// A real peer for the CLI tests: an Engine with its own store, on a client tor of the private
// network and a DhtRegistry in the loopback swarm, plus an event recorder that waits on
// predicates. And the profile of the umbra under test, made beforehand from fixture keys.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Engine, importProfile, openStore, type EngineEvent, type Store} from '../../source/engine/index.js';
import type {Certificate} from '../../source/keys/index.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import type {ClientDescription} from '../../source/net/testnet/tor-network.js';
import {fixtureCertificate, fixtureIdentity, fixturePassphrase, fixtureText, type FixtureName} from '../helpers/key-fixtures.js';
import {Waiters} from '../helpers/waiters.js';

export const testKdf = {N: 1024, r: 8, p: 1};

/** Makes an umbra data directory for fixture `name` with the given contacts; returns its passphrase file. */
export async function makeProfile(dataDir: string, name: FixtureName, contacts: Array<{name: string; certificate: Certificate}>): Promise<string> {
	const profile = await importProfile({dataDir, passphrase: 'bot passphrase', secretKey: fixtureText(`${name}.sec.asc`), keyPassphrase: fixturePassphrase, kdf: testKdf});
	try {
		for (const contact of contacts) {
			profile.store.addContact({fingerprint: contact.certificate.fingerprint, name: contact.name, certificate: contact.certificate.key.write()});
		}
	} finally {
		profile.close();
	}

	const passphraseFile = join(dataDir, '..', `${name}-passphrase`);
	writeFileSync(passphraseFile, 'bot passphrase\n', {mode: 0o600});
	return passphraseFile;
}

export type Peer = {
	engine: Engine;
	events: EngineEvent[];
	waitFor: (label: string, predicate: (event: EngineEvent) => boolean, timeoutMs: number) => Promise<EngineEvent>;
	close: () => Promise<void>;
};

export async function startPeer(options: {name: FixtureName; contacts: Array<{name: string; certificate: Certificate}>; directory: string; client: ClientDescription; bootstrap: string[]}): Promise<Peer> {
	const store: Store = await openStore({path: join(options.directory, `${options.name}-peer.db`), passphrase: 'test', create: true, kdf: testKdf});
	for (const contact of options.contacts) {
		store.addContact({fingerprint: contact.certificate.fingerprint, name: contact.name, certificate: contact.certificate.key.write()});
	}

	const registry = new DhtRegistry({bootstrap: options.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
	await registry.start();
	const engine = new Engine({
		identity: await fixtureIdentity(options.name),
		store,
		torControl: {endpoint: {host: '127.0.0.1', port: options.client.controlPort}, password: options.client.password},
		socks: {host: '127.0.0.1', port: options.client.socksPort},
		registry,
		publishWindowMs: 500,
	});
	const events: EngineEvent[] = [];
	const waiters = new Waiters();
	engine.subscribe(event => {
		events.push(event);
		waiters.wake();
	});
	const waitFor = async (label: string, predicate: (event: EngineEvent) => boolean, timeoutMs: number) => waiters.until(label, () => events.find(event => predicate(event)), timeoutMs);
	await engine.start();
	return {
		engine,
		events,
		waitFor,
		async close() {
			await engine.stop().catch(() => undefined);
			store.close();
			await registry.close();
		},
	};
}

export {fixtureCertificate};
