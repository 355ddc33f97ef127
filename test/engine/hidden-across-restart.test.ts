// Appearing offline to a contact lasts across restarts: Alice hid Bob in an earlier run, so when
// she starts she publishes for Carol but not for Bob and does not dial him; Bob's slot gives him
// no address. Shown again, Bob is published for (his slot gives him her new address) and the
// two talk. The publisher must know a contact that was hidden at start, or showing it again
// would publish nothing.
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import {useTestNetwork} from '../helpers/network.js';
import {online, startWorld} from '../helpers/parties.js';

test('a contact hidden in an earlier run is neither published for nor dialed at start; shown again, it is', {timeout: 300_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'hidden-restart');
	const [bob, carol, alice] = await Promise.all([
		world.party('bob', ['alice'], world.first),
		world.party('carol', ['alice'], world.first),
		world.party('alice', ['bob', 'carol'], world.second, {start: false}),
	]);
	alice.profile.store.setHidden(bob.fingerprint, true);
	await alice.engine.start();
	await carol.waitFor('alice online', online(alice.fingerprint));
	await alice.waitFor('published for carol', event => event.type === 'registry.published' && event.contact === carol.fingerprint && event.ok);

	// Bob reads his slot as his engine does (a reader with his keys): nothing there for him.
	assert.equal(await world.read('bob', 'alice'), undefined, 'no record for the hidden contact');
	assert.ok(!bob.events.some(online(alice.fingerprint)), 'Bob never saw Alice online');
	assert.ok(!alice.events.some(event => event.type === 'registry.published' && event.contact === bob.fingerprint), 'nothing was written for Bob');
	assert.equal(alice.engine.contacts().find(contact => contact.fingerprint === bob.fingerprint)?.hidden, true);

	await alice.engine.show(bob.fingerprint);
	await bob.waitFor('alice online', online(alice.fingerprint));
	await alice.waitFor('published for bob', event => event.type === 'registry.published' && event.contact === bob.fingerprint && event.ok);
	const found = await pollUntil('Bob\'s slot to hold Alice\'s address', async () => world.read('bob', 'alice'), {timeoutMs: 30_000, intervalMs: 500});
	assert.match(found.onion, /^[a-z2-7]{56}$/);
});
