// Attack story: Mallory learned the onion address a running umbra listens on (an old record, a
// leak) and dials it to find out whose it is and whether it is up for her. The real engine's
// listener gives her a 32-byte random nonce (length-prefixed) and, whatever she answers (junk, a
// well-formed but unauthenticated frame, or a valid hs1 from a contact the user hides from), one
// close after the fixed delay, neither sooner nor much later: the same for everyone. The engine
// tells its user nothing about her, and its contacts still reach it.
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {rejectDelayMs} from '../../source/engine/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {framedJunk, junk, probe, validHs1} from '../helpers/onion-probe.js';
import {delivered, online, startWorld} from '../helpers/parties.js';

/**
 * How much later than the fixed delay the close may reach the dialer: the close crosses the
 * private Tor network (a few circuit hops on loopback) on a machine shared with other tests.
 * A refusal that waited for something else (a timeout, a decryption queue) would take seconds more.
 */
const closeLatencyMs = 1000;

test('a stranger or hidden contact who dials a running engine\'s onion gets a random nonce and one close after the fixed delay, and nothing else', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'stranger');
	const {first, second} = world;
	const [bob, alice] = await Promise.all([
		world.party('bob', ['alice', 'carol'], first, {start: false}),
		world.party('alice', ['bob'], second),
	]);
	const carol = await fixtureCertificate('carol');
	bob.profile.store.setHidden(carol.fingerprint, true);
	await bob.engine.start();
	await alice.waitFor('bob online', online(bob.fingerprint));
	// Bob's side of the same session reports Alice a moment later (online, then her presence):
	// those events come before the mark, so what follows it is only what the probes cause.
	await bob.waitFor('alice online', online(alice.fingerprint));
	await bob.waitFor('alice\'s presence', event => event.type === 'contact.presence' && event.contact === alice.fingerprint);

	// The strongest leak: Mallory has Bob's current address (read here with Alice's key).
	const address = await world.read('alice', 'bob');
	assert.ok(address);

	const bobMark = bob.events.length;
	const bobCertificate = await fixtureCertificate('bob');
	const seen = {
		junk: await probe(second.socksPort, address, junk, 'mallory-junk'),
		'a length-prefixed frame of junk': await probe(second.socksPort, address, framedJunk, 'mallory-framed'),
		'a valid hs1 from a hidden contact': await probe(second.socksPort, address, validHs1(await fixtureIdentity('carol'), bobCertificate, address.onion), 'carol-hidden'),
	};
	for (const [name, {bytes, closedAfterMs}] of Object.entries(seen)) {
		// hs0: a 4-byte length (32) and the listener's random nonce; nothing about who listens.
		assert.equal(bytes.length, 36, name);
		assert.equal(bytes.readUInt32BE(0), 32, name);
		assert.ok(closedAfterMs >= rejectDelayMs - 200, `${name}: closed ${closedAfterMs} ms after the answer, not before the fixed delay`);
		assert.ok(closedAfterMs <= rejectDelayMs + closeLatencyMs, `${name}: closed ${closedAfterMs} ms after the answer, within ${closeLatencyMs} ms of the fixed delay`);
	}

	const nonces = Object.values(seen).map(({bytes}) => bytes.subarray(4).toString('hex'));
	assert.equal(new Set(nonces).size, nonces.length, 'the nonce is fresh per stream');
	const told = bob.events.slice(bobMark).filter(event => event.type !== 'registry.published' && event.type !== 'registry.nodes');
	assert.deepEqual(told, [], 'Bob\'s engine tells its user nothing about the stranger or the hidden contact');

	// Control: the same hs1 maker, for a contact Bob shows himself to, gets an hs2, so the hidden
	// contact's refusal came from the hiding, not from a broken hs1.
	const control = await probe(second.socksPort, address, validHs1(await fixtureIdentity('alice'), bobCertificate, address.onion), 'alice-control');
	assert.ok(control.bytes.length > 36 + 4, `a visible contact's hs1 is answered with an hs2 (${control.bytes.length} bytes)`);

	// Bob's contact still gets through.
	const message = await alice.engine.send(bob.fingerprint, 'still reachable');
	await alice.waitFor('the ack', delivered(message.id));
	t.diagnostic(`close after the answer: ${Object.entries(seen).map(([name, {closedAfterMs}]) => `${name} ${closedAfterMs} ms`).join(', ')}`);
});
