// Attack story: Alice hides from Bob (appear offline to one contact). Bob, who knew Alice's
// address and can compute their shared slot, tries to tell whether she is online. He sees her go
// offline; the slot he can read holds the very item it held before, as after an exit (a decoy or
// any new write would tell him he was hidden from, and when); the address he knew no longer
// answers; meanwhile Carol still talks to Alice. When Alice shows herself again, Bob finds her as
// before. (hide-looks-like-exit.test.ts compares all he sees with an exit's, step by step.)
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {type EngineEvent} from '../../source/engine/index.js';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, offline, online, received, untilUnreachable, startWorld} from '../helpers/parties.js';

test('a contact Alice hides from sees her offline, reads only the stale record an exit leaves and cannot reach her, while Carol still can', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'hide');
	const {first, second} = world;
	const [alice, bob, carol] = await Promise.all([
		world.party('alice', ['bob', 'carol'], first),
		world.party('bob', ['alice'], second),
		world.party('carol', ['alice'], first),
	]);
	await Promise.all([
		alice.waitFor('bob online', online(bob.fingerprint)),
		alice.waitFor('carol online', online(carol.fingerprint)),
		bob.waitFor('alice online', online(alice.fingerprint)),
		carol.waitFor('alice online', online(alice.fingerprint)),
	]);

	// What Bob can learn on his own: Alice's slot for him, read with his key from the DHT.
	const known = await world.read('bob', 'alice');
	const item = await world.slot('bob', 'alice');
	assert.ok(known && item, 'before hiding, Bob reads Alice\'s address from their slot');

	const bobMark = bob.events.length;
	const carolMark = carol.events.length;
	const aliceMark = alice.events.length;
	await alice.engine.hide(bob.fingerprint);
	await bob.waitFor('alice offline after hide', offline(alice.fingerprint), {from: bobMark});
	assert.equal(alice.engine.contacts().find(contact => contact.fingerprint === bob.fingerprint)?.hidden, true);

	// Nothing was written for Bob: the slot holds the last record, as an exit leaves it, with the
	// address that no longer answers (below).
	assert.deepEqual(await world.slot('bob', 'alice'), item, 'the same item, byte for byte and seq for seq');
	assert.deepEqual(await world.read('bob', 'alice'), known, 'Bob reads the stale record, as after an exit');
	assert.ok(!alice.events.slice(aliceMark).some(event => event.type === 'registry.published' && event.contact === bob.fingerprint), 'nothing was published for Bob');

	// Carol still talks to Alice, across the rotation that came with the hide.
	const toCarol = await alice.engine.send(carol.fingerprint, 'still here, carol');
	await carol.waitFor('alice\'s message after the hide', received('still here, carol'), {from: carolMark});
	await alice.waitFor('carol\'s ack', delivered(toCarol.id));
	const fromCarol = await carol.engine.send(alice.fingerprint, 'hello alice');
	await carol.waitFor('alice\'s ack', delivered(fromCarol.id));

	// The address Bob knew is gone: Tor cannot introduce him to it.
	await untilUnreachable(second.socksPort, known);

	// All the while Bob's engine kept looking: it never saw Alice come back, and his message waits.
	const fromBob = await bob.engine.send(alice.fingerprint, 'are you there?');
	assert.equal(fromBob.state, 'queued');
	const sinceHide = bob.events.slice(bobMark);
	assert.equal(sinceHide.filter(online(alice.fingerprint)).length, 0, 'Bob never saw Alice online while hidden');
	assert.equal(alice.events.some(received('are you there?')), false);

	// Shown again: Bob finds her through the registry and his queued message arrives.
	const showMark = bob.events.length;
	await alice.engine.show(bob.fingerprint);
	await bob.waitFor('alice online after show', online(alice.fingerprint), {from: showMark});
	await alice.waitFor('bob\'s queued message', received('are you there?'));
	await bob.waitFor('the ack of the queued message', (event: EngineEvent) => delivered(fromBob.id)(event));
});
