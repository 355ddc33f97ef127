// The tor under an engine is killed (SIGKILL) and started again on the same ports: the engine
// reconnects to the control port, re-authenticates, makes a new onion service, republishes it
// and redials, and the contact finds it again, within 60 s and with nothing lost (a message
// sent while tor was away is delivered once tor is back, exactly once).
import {strict as assert} from 'node:assert';
import {mkdtempSync, rmSync} from 'node:fs';
import process from 'node:process';
import {test} from 'node:test';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import type {ClientDescription} from '../../source/net/testnet/description.js';
import {startTorClient, stopTorClient} from '../../source/net/testnet/tor-client.js';
import {freePort, isOurTor, pollUntil} from '../../source/net/testnet/tor-process.js';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, offline, online, received, startParty, type Party} from '../helpers/parties.js';

test('an engine survives its tor being killed and restarted: talking again within 60 s, nothing lost', {timeout: 300_000}, async t => {
	const network = useTestNetwork();
	const [bobsTor] = network.clients;
	assert.ok(bobsTor);
	// Short: tor's control socket paths and the party directories live under it.
	const directory = mkdtempSync('/tmp/umbra-torrestart-');
	const state: {swarm?: DhtSwarm; parties: Party[]; tor?: ClientDescription} = {parties: []};
	t.after(async () => {
		await Promise.allSettled(state.parties.map(async party => party.close()));
		if (state.tor) {
			await stopTorClient(state.tor);
		}

		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	// Alice's own client tor on fixed ports, so the restarted one answers where the engine looks.
	const ports = {controlPort: await freePort(), socksPort: await freePort()};
	state.tor = await startTorClient(network, {directory, ...ports, readyTimeoutMs: 90_000});
	const {dataDirectory, password} = state.tor;
	state.swarm = await startDhtSwarm({size: 12});
	const {bootstrap} = state.swarm;
	const [alice, bob] = await Promise.all([
		startParty({name: 'alice', contacts: ['bob'], directory, client: state.tor, bootstrap}),
		startParty({name: 'bob', contacts: ['alice'], directory, client: bobsTor, bootstrap}),
	]);
	state.parties.push(alice, bob);
	await Promise.all([alice.waitFor('bob online', online(bob.fingerprint)), bob.waitFor('alice online', online(alice.fingerprint))]);
	const before = await alice.engine.send(bob.fingerprint, 'before the kill');
	await alice.waitFor('the first message delivered', delivered(before.id));

	const aliceMark = alice.events.length;
	const killedAt = Date.now();
	process.kill(state.tor.pid, 'SIGKILL');
	const killed = state.tor;
	await pollUntil('the killed tor to be gone', async () => (await isOurTor(killed.pid, killed.torrcPath) ? undefined : true), {timeoutMs: 10_000, intervalMs: 50});
	await alice.waitFor('the lost tor reported', event => event.type === 'error' && event.scope === 'tor', {from: aliceMark});
	await alice.waitFor('bob offline', offline(bob.fingerprint), {from: aliceMark});
	assert.equal(alice.engine.status().tor.connected, false);
	assert.equal(alice.engine.status().onionUp, false);
	const during = await alice.engine.send(bob.fingerprint, 'while tor was away');
	assert.equal(during.state, 'queued');

	// Bob may not have noticed yet (his end of the old session only times out by ping); talking
	// again means both directions deliver, whoever redials whom.
	state.tor = await startTorClient(network, {dataDirectory, password, ...ports, readyTimeoutMs: 60_000});
	await alice.waitFor('bob online again', online(bob.fingerprint), {from: aliceMark, timeoutMs: 60_000});
	const reply = await bob.engine.send(alice.fingerprint, 'after the restart');
	await Promise.all([
		alice.waitFor('the queued message delivered', delivered(during.id), {timeoutMs: 60_000}),
		bob.waitFor('the queued message', received('while tor was away'), {timeoutMs: 60_000}),
		bob.waitFor('the reply delivered', delivered(reply.id), {timeoutMs: 60_000}),
		alice.waitFor('the reply', received('after the restart'), {timeoutMs: 60_000}),
	]);
	const backAfterMs = Date.now() - killedAt;
	t.diagnostic(`kill → talking both ways again ${backAfterMs} ms`);
	assert.ok(backAfterMs < 60_000, `talking again after ${backAfterMs} ms, over the 60 s bound`);
	for (const event of [...alice.events, ...bob.events]) {
		if (event.type === 'error') {
			assert.doesNotMatch(event.message, /[a-z2-7]{56}|[\dA-F]{40}/i, 'error events name no onion and no fingerprint');
		}
	}

	// Sessions may come back before the new onion's descriptor is up (Alice dials out first).
	await alice.waitFor('alice ready again', event => event.type === 'lifecycle' && event.state === 'ready', {from: aliceMark, timeoutMs: 60_000});
	await alice.waitFor('the new onion published', event => event.type === 'registry.published' && event.ok, {from: aliceMark, timeoutMs: 30_000});
	const status = alice.engine.status();
	assert.equal(status.tor.connected, true);
	assert.equal(status.onionUp, true);
	assert.equal(status.lifecycle, 'ready');
	assert.ok(status.dhtNodes > 0, 'DHT nodes counted');
	assert.ok(status.lastPublishedAt !== undefined && status.lastPublishedAt >= killedAt, 'republished after the restart');
	assert.deepEqual(status.presence, {state: 'online', status: ''});
	assert.equal(status.tor.progress, 100);
	const history = bob.engine.history(alice.fingerprint, {limit: 10});
	assert.deepEqual(history.filter(message => message.direction === 'in').map(message => message.body), ['before the kill', 'while tor was away'], 'each of Alice\'s messages once, in order');
	assert.deepEqual(history.filter(message => message.direction === 'out').map(message => message.body), ['after the restart']);
});
