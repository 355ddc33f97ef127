// Attack story, at the engine: Mallory runs a real, reachable onion service and plants, in the
// registry slot where Bob looks for Alice, a well-formed record that points to it (signed by
// Mallory, encrypted to Bob; the test hands Mallory the slot key to make the attack as strong
// as it can be). If Bob's engine dialed it, Mallory would learn that Bob is online. Bob looks
// Alice up again and again and never dials Mallory's onion; once Alice comes online, Bob finds
// her real record and talks to her, and Mallory's service still sees no one.
import {strict as assert} from 'node:assert';
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {createServer, type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {importProfile, openEngine, sealRecord, type EngineApi, type EngineEvent, type Profile} from '../../source/engine/index.js';
import {pairSecret, type Identity} from '../../source/keys/index.js';
import {slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {dialSocks} from '../../source/net/socks.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import type {TorControl} from '../../source/net/tor-control.js';
import {fixtureCertificate, fixtureIdentity, fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {connectClientControl, useTestNetwork} from '../helpers/network.js';
import {online, startParty, type Party} from '../helpers/parties.js';
import {makeIdentities} from '../helpers/registry-helpers.js';

test('a forged record pointing to a live onion of Mallory\'s is never dialed; Alice\'s real one is', {timeout: 300_000}, async t => {
	const network = useTestNetwork();
	const [first, second] = network.clients;
	assert.ok(first && second);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-forged-'));
	const state: {swarm?: DhtSwarm; control?: TorControl; mallory?: DhtRegistry; bob?: {engine: EngineApi; profile: Profile}; alice?: Party} = {};
	let connections = 0;
	const server = createServer(socket => {
		connections++;
		socket.destroy();
	});
	t.after(async () => {
		await state.alice?.close();
		await state.bob?.engine.stop().catch(() => undefined);
		state.bob?.profile.close();
		await state.control?.close().catch(() => undefined);
		await state.mallory?.close();
		await state.swarm?.stop();
		server.close();
		rmSync(directory, {recursive: true, force: true});
	});

	// Mallory's onion service: reachable, counting every stream that arrives.
	server.listen(0, '127.0.0.1');
	await new Promise(resolve => server.once('listening', resolve));
	state.control = await connectClientControl(second);
	await state.control.setEvents([...state.control.events, 'HS_DESC']);
	const {serviceId} = await state.control.addOnion({virtualPort: 80, targetPort: (server.address() as AddressInfo).port});
	await state.control.waitForDescriptorUpload(serviceId, {timeoutMs: 60_000});
	await pollUntil('Mallory\'s onion to answer', async () => {
		const socket = await dialSocks({proxy: {host: '127.0.0.1', port: first.socksPort}, destination: {host: `${serviceId}.onion`, port: 80}, isolation: {username: 'probe', password: 'x'}, timeoutMs: 20_000}).catch(() => undefined);
		socket?.destroy();
		return socket ? true : undefined;
	}, {timeoutMs: 60_000, intervalMs: 500});
	await pollUntil('the probe to arrive', async () => (connections > 0 ? true : undefined), {timeoutMs: 10_000, intervalMs: 20});
	const probes = connections;

	// The forged record, in today's slot of Alice for Bob, at a low seq Alice's own writes will beat.
	state.swarm = await startDhtSwarm({size: 12});
	const {bootstrap} = state.swarm;
	state.mallory = new DhtRegistry({bootstrap, host: '127.0.0.1'});
	await state.mallory.start();
	const [aliceIdentity, bobCertificate, aliceCertificate] = await Promise.all([fixtureIdentity('alice'), fixtureCertificate('bob'), fixtureCertificate('alice')]);
	const [mallory] = await makeIdentities(1, 'mallory') as [Identity];
	const now = Date.now();
	const day = utcDay(now);
	const slot = slotKeyPair({pairSecret: pairSecret({own: aliceIdentity, contact: bobCertificate}), publisher: aliceIdentity.fingerprint, reader: bobCertificate.fingerprint, day});
	const forged = await sealRecord({record: {reader: bobCertificate.fingerprint, day, onion: serviceId, port: 80, issuedAt: now, expiresAt: now + 3_600_000}, signer: mallory, recipient: bobCertificate, slot, date: new Date(now)});
	await state.mallory.publish({keyPair: {publicKey: slot.publicKey, secretSeed: slot.seed}, value: forged, seq: 1});

	// Bob, with Alice as his contact; his debug lines show each lookup that found nothing usable.
	const bobDir = join(directory, 'bob');
	mkdirSync(bobDir, {mode: 0o700});
	const profile = await importProfile({dataDir: bobDir, passphrase: 'p', secretKey: fixtureText('bob.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	profile.store.addContact({fingerprint: aliceCertificate.fingerprint, name: 'alice', certificate: aliceCertificate.key.write()});
	const debug: string[] = [];
	const engine = await openEngine({profile, torControl: String(first.controlPort), torControlPassword: first.password, torSocks: String(first.socksPort), dhtBootstrap: bootstrap, lookupBackoffMs: {first: 300, max: 1000}, debug: line => debug.push(line)});
	state.bob = {engine, profile};
	const events: EngineEvent[] = [];
	engine.subscribe(event => events.push(event));
	await engine.start();
	const misses = () => debug.filter(line => line.startsWith('a lookup found no usable address')).length;
	await pollUntil('Bob to look Alice up three times', async () => (misses() >= 3 ? true : undefined), {timeoutMs: 60_000, intervalMs: 100});
	assert.equal(connections, probes, 'Bob never dialed the forged onion');
	assert.ok(!debug.some(line => line.includes(serviceId)), 'no line even names the forged onion');

	// Alice comes online: her real record replaces the forgery, and Bob finds her.
	state.alice = await startParty({name: 'alice', contacts: ['bob'], directory, client: second, bootstrap});
	await pollUntil('Bob to see Alice online', async () => (events.some(online(aliceCertificate.fingerprint)) ? true : undefined), {timeoutMs: 90_000, intervalMs: 100});
	assert.equal(connections, probes, 'still nothing reached Mallory\'s onion');
});
