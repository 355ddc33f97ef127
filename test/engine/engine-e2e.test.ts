// Two engines end to end on the private Tor network and a loopback DHT swarm: each publishes its
// onion for the other, finds the other's, and they exchange messages with delivery acks.
import {strict as assert} from 'node:assert';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {Engine, openStore, type EngineEvent, type Store} from '../../source/engine/index.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {Waiters} from '../helpers/waiters.js';

const phaseMs = 90_000;

/** Records an engine's events; waits for one matching a predicate, never sleeping. */
function recorder(engine: Engine) {
	const events: EngineEvent[] = [];
	const waiters = new Waiters();
	engine.subscribe(event => {
		events.push(event);
		waiters.wake();
	});
	const waitFor = async <T extends EngineEvent>(label: string, predicate: (event: EngineEvent) => event is T, count = 1): Promise<T[]> => waiters.until(label, () => {
		const found = events.filter(event => predicate(event));
		return found.length >= count ? found : undefined;
	}, phaseMs);
	return {events, waitFor};
}

test('two engines find each other through the registry and exchange messages over onion sessions', {timeout: 6 * phaseMs}, async t => {
	const network = useTestNetwork();
	const [clientA, clientB] = network.clients;
	assert.ok(clientA && clientB);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-engine-'));
	const swarmRef: {swarm?: DhtSwarm} = {};
	const registries: DhtRegistry[] = [];
	const stores: Store[] = [];
	const engines: Engine[] = [];
	t.after(async () => {
		await Promise.allSettled(engines.map(async engine => engine.stop()));
		for (const store of stores) {
			store.close();
		}

		await Promise.allSettled(registries.map(async registry => registry.close()));
		await swarmRef.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	swarmRef.swarm = await startDhtSwarm({size: 20});
	for (let index = 0; index < 2; index++) {
		const registry = new DhtRegistry({bootstrap: swarmRef.swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		registries.push(registry);
		await registry.start();
	}

	const [aliceIdentity, bobIdentity, aliceCertificate, bobCertificate] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
	const makeStore = async (name: string) => {
		mkdirSync(join(directory, name), {mode: 0o700});
		const store = await openStore({path: join(directory, name, 'store.db'), passphrase: 'test', create: true, kdf: {N: 1024, r: 8, p: 1}});
		stores.push(store);
		return store;
	};

	const [storeA, storeB] = [await makeStore('a'), await makeStore('b')];
	storeA.addContact({fingerprint: bobCertificate.fingerprint, name: 'bob', certificate: bobCertificate.key.write()});
	storeB.addContact({fingerprint: aliceCertificate.fingerprint, name: 'alice', certificate: aliceCertificate.key.write()});
	const makeEngine = (identity: typeof aliceIdentity, store: Store, client: typeof clientA, registry: DhtRegistry) => {
		const engine = new Engine({
			identity,
			store,
			torControl: {endpoint: {host: '127.0.0.1', port: client.controlPort}, password: client.password},
			socks: {host: '127.0.0.1', port: client.socksPort},
			registry,
			publishWindowMs: 500,
			log: line => {
				t.diagnostic(line);
			},
		});
		engines.push(engine);
		return engine;
	};

	const engineA = makeEngine(aliceIdentity, storeA, clientA, registries[0]!);
	const engineB = makeEngine(bobIdentity, storeB, clientB, registries[1]!);
	const eventsA = recorder(engineA);
	const eventsB = recorder(engineB);

	const started = Date.now();
	await Promise.all([engineA.start(), engineB.start()]);
	const ready = Date.now();
	await Promise.all([
		eventsA.waitFor('A to see B online', (event): event is Extract<EngineEvent, {type: 'contact.online'}> => event.type === 'contact.online' && event.contact === bobCertificate.fingerprint),
		eventsB.waitFor('B to see A online', (event): event is Extract<EngineEvent, {type: 'contact.online'}> => event.type === 'contact.online' && event.contact === aliceCertificate.fingerprint),
	]);
	t.diagnostic(`start → both ready ${ready - started} ms, → both online ${Date.now() - started} ms`);

	const texts = ['one', 'two', 'three'];
	const sent: Array<{id: string}> = [];
	for (const text of texts) {
		sent.push(await engineA.send(bobCertificate.fingerprint, text));
	}

	const isReceived = (event: EngineEvent): event is Extract<EngineEvent, {type: 'message.received'}> => event.type === 'message.received';
	const received = await eventsB.waitFor('B to receive 3 messages', isReceived, 3);
	assert.deepEqual(received.map(event => event.message.body), texts);
	assert.deepEqual(received.map(event => event.message.id), sent.map(message => message.id));
	const isDelivered = (event: EngineEvent): event is Extract<EngineEvent, {type: 'message.state'}> => event.type === 'message.state' && event.state === 'delivered';
	const delivered = await eventsA.waitFor('A to see 3 deliveries', isDelivered, 3);
	assert.deepEqual(new Set(delivered.map(event => event.id)), new Set(sent.map(message => message.id)));
	const queuedFirst = eventsA.events.findIndex(event => event.type === 'message.state' && event.id === sent[0]!.id);
	assert.equal((eventsA.events[queuedFirst] as Extract<EngineEvent, {type: 'message.state'}>).state, 'queued');
	assert.deepEqual(storeB.listConversation(aliceCertificate.fingerprint, {limit: 10}).map(message => message.body), texts);
	assert.equal(storeA.unackedOutgoing().length, 0);

	const reply = await engineB.send(aliceCertificate.fingerprint, 'hello back');
	const [back] = await eventsA.waitFor('A to receive the reply', isReceived);
	assert.equal(back?.message.id, reply.id);
	assert.equal(back?.message.body, 'hello back');
	await eventsB.waitFor('B to see the reply delivered', (event): event is Extract<EngineEvent, {type: 'message.state'}> => isDelivered(event) && event.id === reply.id);

	await engineB.stop();
	await eventsA.waitFor('A to see B offline', (event): event is Extract<EngineEvent, {type: 'contact.offline'}> => event.type === 'contact.offline' && event.contact === bobCertificate.fingerprint);
	assert.equal(eventsB.events.filter(isReceived).length, 3, 'each message was received exactly once');
	assert.equal(eventsB.events.at(-1)?.type, 'lifecycle');
});
