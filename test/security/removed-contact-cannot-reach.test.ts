// Attack story: Bob removes Carol. Carol keeps her copy of Bob's key and their shared slot, and
// tries to find and reach him. She sees him go offline; his slot for her holds the very item it
// held before, as after an exit (a decoy or any new write would tell her she was removed, and
// when); the address she knew no longer answers. Alice, still Bob's contact, talks to him as
// before, across the rotation the removal caused. When Bob then exits, Carol's slot is still
// the same: the removal left it as an exit does.
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, offline, online, received, untilUnreachable, startWorld} from '../helpers/parties.js';

test('a removed contact sees Bob offline, reads only the stale record an exit leaves and cannot reach him; Alice still can', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'remove');
	const {first, second} = world;
	const [bob, carol, alice] = await Promise.all([
		world.party('bob', ['alice', 'carol'], first),
		world.party('carol', ['bob'], second),
		world.party('alice', ['bob'], second),
	]);
	await Promise.all([
		carol.waitFor('bob online', online(bob.fingerprint)),
		alice.waitFor('bob online', online(bob.fingerprint)),
	]);

	const known = await world.read('carol', 'bob');
	const item = await world.slot('carol', 'bob');
	assert.ok(known && item, 'before the removal, Carol reads Bob\'s address');

	const carolMark = carol.events.length;
	const aliceMark = alice.events.length;
	await bob.engine.removeContact(carol.fingerprint);
	assert.equal(bob.engine.contacts().some(contact => contact.fingerprint === carol.fingerprint), false);
	await carol.waitFor('bob offline after the removal', offline(bob.fingerprint), {from: carolMark});
	assert.deepEqual(await world.slot('carol', 'bob'), item, 'the same item, byte for byte and seq for seq');
	assert.deepEqual(await world.read('carol', 'bob'), known, 'Carol reads the stale record, as after an exit');

	const toAlice = await bob.engine.send(alice.fingerprint, 'after the removal');
	await alice.waitFor('bob\'s message after the removal', received('after the removal'), {from: aliceMark});
	await bob.waitFor('alice\'s ack', delivered(toAlice.id));

	await untilUnreachable(second.socksPort, known);
	const fromCarol = await carol.engine.send(bob.fingerprint, 'let me in');
	assert.equal(fromCarol.state, 'queued');
	assert.equal(carol.events.slice(carolMark).filter(online(bob.fingerprint)).length, 0, 'Carol never reached Bob again');
	assert.equal(bob.events.some(received('let me in')), false);

	await bob.engine.stop();
	assert.deepEqual(await world.slot('carol', 'bob'), item, 'after Bob\'s exit too, Carol\'s slot holds what it held before the removal');
});
