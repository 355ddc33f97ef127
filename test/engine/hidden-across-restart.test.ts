// Appearing offline to a contact lasts across restarts: Alice hid Bob in an earlier run, so when
// she starts she publishes for Carol but not for Bob and does not dial him; Bob's slot gives him
// no address. Shown again, Bob is published for (his slot gives him her new address) and the
// two talk. The publisher must know a contact that was hidden at start, or showing it again
// would publish nothing.
import {strict as assert} from 'node:assert';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {RegistryReader} from '../../source/engine/index.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {online, startParty, type Party} from '../helpers/parties.js';

test('a contact hidden in an earlier run is neither published for nor dialed at start; shown again, it is', {timeout: 300_000}, async t => {
	const network = useTestNetwork();
	const [first, second] = network.clients;
	assert.ok(first && second);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-hidden-restart-'));
	const state: {swarm?: DhtSwarm; parties: Party[]; spy?: DhtRegistry} = {parties: []};
	t.after(async () => {
		await Promise.allSettled(state.parties.map(async party => party.close()));
		await state.spy?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	state.swarm = await startDhtSwarm({size: 12});
	const {bootstrap} = state.swarm;
	const [bob, carol, alice] = await Promise.all([
		startParty({name: 'bob', contacts: ['alice'], directory, client: first, bootstrap}),
		startParty({name: 'carol', contacts: ['alice'], directory, client: first, bootstrap}),
		startParty({name: 'alice', contacts: ['bob', 'carol'], directory, client: second, bootstrap, start: false}),
	]);
	state.parties.push(bob, carol, alice);
	alice.profile.store.setHidden(bob.fingerprint, true);
	await alice.engine.start();
	await carol.waitFor('alice online', online(alice.fingerprint));
	await alice.waitFor('published for carol', event => event.type === 'registry.published' && event.contact === carol.fingerprint && event.ok);

	// Bob reads his slot as his engine does (a spy with his keys): nothing there for him.
	state.spy = new DhtRegistry({bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
	await state.spy.start();
	const bobsReader = new RegistryReader({identity: await fixtureIdentity('bob'), registry: state.spy});
	const aliceCertificate = await fixtureCertificate('alice');
	assert.equal(await bobsReader.lookupContact(aliceCertificate), undefined, 'no record for the hidden contact');
	assert.ok(!bob.events.some(online(alice.fingerprint)), 'Bob never saw Alice online');
	assert.ok(!alice.events.some(event => event.type === 'registry.published' && event.contact === bob.fingerprint), 'nothing was written for Bob');
	assert.equal(alice.engine.contacts().find(contact => contact.fingerprint === bob.fingerprint)?.hidden, true);

	await alice.engine.show(bob.fingerprint);
	await bob.waitFor('alice online', online(alice.fingerprint));
	await alice.waitFor('published for bob', event => event.type === 'registry.published' && event.contact === bob.fingerprint && event.ok);
	const found = await pollUntil('Bob\'s slot to hold Alice\'s address', async () => bobsReader.lookupContact(aliceCertificate), {timeoutMs: 30_000, intervalMs: 500});
	assert.match(found.onion, /^[a-z2-7]{56}$/);
});
