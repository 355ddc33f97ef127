// Two engines on the private Tor network that reach the registry only through an `umbra relay`
// onion service backed by the loopback DHT swarm: they find each other and chat, and neither
// opens a UDP socket. The engines run in this process, beside the swarm and the relay (which
// do use UDP, and are started first): the set of UDP sockets this process holds, read from
// /proc/self/fd against /proc/self/net/udp and udp6, must not change while the engines run.
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startRelayHost, type RelayHost} from '../../source/commands/relay-host.js';
import {fixtureCertificate} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, online, received, startParty, type Party} from '../helpers/parties.js';

/** Inodes of the UDP sockets this process has open. */
function udpSockets(): string[] {
	const socketInodes = new Set<string>();
	for (const fd of readdirSync('/proc/self/fd')) {
		try {
			const inode = /^socket:\[(\d+)]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1];
			if (inode) {
				socketInodes.add(inode);
			}
		} catch {
			// Closed between the listing and the readlink.
		}
	}

	const udp: string[] = [];
	for (const table of ['/proc/self/net/udp', '/proc/self/net/udp6']) {
		for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
			const inode = line.trim().split(/\s+/)[9];
			if (inode && socketInodes.has(inode)) {
				udp.push(inode);
			}
		}
	}

	return udp.sort();
}

test('two engines meet and chat through an umbra relay onion, and open no UDP socket', {timeout: 6 * 60_000}, async t => {
	const network = useTestNetwork();
	const [first, second] = network.clients;
	assert.ok(first && second);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-relay-e2e-'));
	const state: {swarm?: DhtSwarm; relay?: RelayHost; parties: Party[]} = {parties: []};
	t.after(async () => {
		await Promise.allSettled(state.parties.map(async party => party.close()));
		await state.relay?.stop();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});
	state.swarm = await startDhtSwarm({size: 20});
	state.relay = await startRelayHost({
		directory: join(directory, 'relay'),
		tor: {endpoint: {host: '127.0.0.1', port: first.controlPort}, password: first.password},
		dhtBootstrap: state.swarm.bootstrap,
		log: () => undefined,
	});
	const relayUrl = state.relay.onionUrl;
	assert.match(relayUrl ?? '', /^http:\/\/[a-z2-7]{56}\.onion$/);
	const before = udpSockets();
	assert.ok(before.length >= 21, `the swarm and the relay hold UDP sockets (${before.length}): the check can see them`);

	const start = async (name: 'alice' | 'bob', contact: 'alice' | 'bob', client: typeof first) => {
		const party = await startParty({name, contacts: [contact], directory, client, bootstrap: [], registryRelays: [relayUrl!]});
		state.parties.push(party);
		return party;
	};

	const [alice, bob] = await Promise.all([start('alice', 'bob', first), start('bob', 'alice', second)]);
	assert.equal(alice.engine.status().registry?.mode, 'relay');
	const [aliceFingerprint, bobFingerprint] = [(await fixtureCertificate('alice')).fingerprint, (await fixtureCertificate('bob')).fingerprint];
	await Promise.all([alice.waitFor('bob online', online(bobFingerprint), {timeoutMs: 180_000}), bob.waitFor('alice online', online(aliceFingerprint), {timeoutMs: 180_000})]);
	assert.deepEqual(udpSockets(), before, 'no UDP socket opened while the engines came online');
	const message = await alice.engine.send(bobFingerprint, 'hello through the relay');
	await bob.waitFor('the message', received('hello through the relay'));
	await alice.waitFor('the ack', delivered(message.id));
	assert.deepEqual(udpSockets(), before, 'no UDP socket opened while they chatted');
	// Both publish through the relay; at least one finds the other through it (the other may be dialed first).
	assert.ok(state.relay.service.counts.stored >= 2 && state.relay.service.counts.found >= 1, `the relay did the registry work: ${JSON.stringify(state.relay.service.counts)}`);
});
