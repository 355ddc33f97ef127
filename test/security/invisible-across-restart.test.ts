// Attack story: a user who went invisible quits and starts umbra again. If the own state started
// as online, every contact would be published for and dialed within seconds of the start, and
// each would see the user online: the restart alone gives away that the user is at the machine.
// The state is remembered: after the restart nobody is published for, nobody is dialed, and the
// contact's slot still holds the last record written before the user went invisible, unchanged,
// as after a clean exit.
//
// Absence needs a yardstick: Carol starts after Alice's restarted engine is ready, and her engine
// runs the same start (publish, look up, dial) towards the same contact. Once Bob sees Carol,
// Alice's engine, ahead of hers, would have done all of that too.
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {openEngine, openProfile, type EngineEvent} from '../../source/engine/index.js';
import {useTestNetwork} from '../helpers/network.js';
import {offline, online, startWorld} from '../helpers/parties.js';
import {Waiters} from '../helpers/waiters.js';

test('a user invisible when umbra stopped is published for, dialed and seen by no contact after a restart', {timeout: 300_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'invisible-restart');
	const bob = await world.party('bob', ['alice', 'carol'], world.first);
	const alice = await world.party('alice', ['bob'], world.second);
	await bob.waitFor('alice online', online(alice.fingerprint));
	await alice.waitFor('published for bob', event => event.type === 'registry.published' && event.contact === bob.fingerprint && event.ok);
	const lastRecord = await world.read('bob', 'alice');
	assert.ok(lastRecord, 'Alice\'s record in Bob\'s slot before she goes invisible');
	await alice.engine.setPresence('invisible', 'out');
	await bob.waitFor('alice offline', offline(alice.fingerprint));
	assert.deepEqual(await world.read('bob', 'alice'), lastRecord, 'going invisible left Bob\'s slot as an exit would: the last record, unchanged');

	// The restart: the engine stops, the profile closes, and both are opened again from disk.
	const {dataDir} = alice.profile;
	await alice.close();
	const profile = await openProfile({dataDir, passphrase: 'party'});
	t.after(() => {
		profile.close();
	});
	const engine = await openEngine({
		profile,
		torControl: String(world.second.controlPort),
		torControlPassword: world.second.password,
		torSocks: String(world.second.socksPort),
		dhtBootstrap: world.bootstrap,
		publishWindowMs: 500,
		lookupBackoffMs: {first: 500, max: 4000},
		rotationGraceMs: 1000,
	});
	t.after(async () => engine.stop());
	const events: EngineEvent[] = [];
	const waiters = new Waiters();
	engine.subscribe(event => {
		events.push(event);
		waiters.wake();
	});
	const bobSeenSince = bob.events.length;
	await engine.start();
	await waiters.until('the restarted engine to be ready', () => events.find(event => event.type === 'lifecycle' && event.state === 'ready'), 90_000);

	const carol = await world.party('carol', ['bob'], world.second);
	await carol.waitFor('published for bob', event => event.type === 'registry.published' && event.contact === bob.fingerprint && event.ok);
	await bob.waitFor('carol online', online(carol.fingerprint));

	assert.deepEqual(events.filter(event => event.type === 'registry.published'), [], 'no slot was written after the restart');
	assert.ok(!bob.events.slice(bobSeenSince).some(online(alice.fingerprint)), 'Bob did not see Alice online after the restart');
	assert.deepEqual(await world.read('bob', 'alice'), lastRecord, 'Bob\'s slot still holds the record from before, not the new address');
	assert.ok(engine.contacts().every(contact => contact.presence === 'offline'), 'no session with any contact');
	assert.deepEqual(engine.status().presence, {state: 'invisible', status: 'out'}, 'the remembered state and text');
});
