// Attack story: Bob removes Carol. Carol keeps her copy of Bob's key and their shared slot, and
// tries to find and reach him. She sees him go offline, his slot for her holds no address (a
// decoy overwrote it), and the address she knew no longer answers. Alice, still Bob's contact,
// talks to him as before, across the rotation the removal caused.
import {strict as assert} from 'node:assert';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {RegistryReader} from '../../source/engine/index.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, offline, online, received, startParty, untilUnreachable, type Party} from '../helpers/parties.js';

test('a removed contact sees Bob offline, reads no address and cannot reach him; Alice still can', {timeout: 600_000}, async t => {
	const network = useTestNetwork();
	const [first, second] = network.clients;
	assert.ok(first && second);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-remove-'));
	const state: {swarm?: DhtSwarm; parties: Party[]; spy?: DhtRegistry} = {parties: []};
	t.after(async () => {
		await Promise.allSettled(state.parties.map(async party => party.close()));
		await state.spy?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	state.swarm = await startDhtSwarm({size: 20});
	const {bootstrap} = state.swarm;
	const [bob, carol, alice] = await Promise.all([
		startParty({name: 'bob', contacts: ['alice', 'carol'], directory, client: first, bootstrap}),
		startParty({name: 'carol', contacts: ['bob'], directory, client: second, bootstrap}),
		startParty({name: 'alice', contacts: ['bob'], directory, client: second, bootstrap}),
	]);
	state.parties.push(bob, carol, alice);
	await Promise.all([
		carol.waitFor('bob online', online(bob.fingerprint)),
		alice.waitFor('bob online', online(bob.fingerprint)),
	]);

	state.spy = new DhtRegistry({bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
	await state.spy.start();
	const carolIdentity = await fixtureIdentity('carol');
	const bobCertificate = await fixtureCertificate('bob');
	const carolsReader = () => new RegistryReader({identity: carolIdentity, registry: state.spy!});
	const known = await carolsReader().lookupContact(bobCertificate);
	assert.ok(known, 'before the removal, Carol reads Bob\'s address');

	const carolMark = carol.events.length;
	const aliceMark = alice.events.length;
	await bob.engine.removeContact(carol.fingerprint);
	assert.equal(bob.engine.contacts().some(contact => contact.fingerprint === carol.fingerprint), false);
	await carol.waitFor('bob offline after the removal', offline(bob.fingerprint), {from: carolMark});
	assert.equal(await carolsReader().lookupContact(bobCertificate), undefined, 'the slot holds a decoy');

	const toAlice = await bob.engine.send(alice.fingerprint, 'after the removal');
	await alice.waitFor('bob\'s message after the removal', received('after the removal'), {from: aliceMark});
	await bob.waitFor('alice\'s ack', delivered(toAlice.id));

	await untilUnreachable(second.socksPort, known);
	const fromCarol = await carol.engine.send(bob.fingerprint, 'let me in');
	assert.equal(fromCarol.state, 'queued');
	assert.equal(carol.events.slice(carolMark).filter(online(bob.fingerprint)).length, 0, 'Carol never reached Bob again');
	assert.equal(bob.events.some(received('let me in')), false);
});
