// Attack story, against a running engine on the private Tor network: Carol has Bob's onion
// address but is not his contact. She has a real OpenPGP identity and Bob's public key, so she
// sends a valid hs1, signed by her and encrypted to him, exactly as a contact would. Bob's side
// must look the same as for junk: 32 random bytes, then a close after the same fixed delay on
// the wall clock (opening her hs1 takes OpenPGP work that junk does not, and that must not
// show). Bob's engine tells its user nothing. (non-contact-learns-nothing.test.ts checks the
// same on the handshake core's replies, without sockets.)
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import {rejectDelayMs} from '../../source/engine/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {junk, probe, validHs1, type ProbeResult} from '../helpers/onion-probe.js';
import {startWorld} from '../helpers/parties.js';

const rounds = 3;
/** How far apart the two kinds of refusal may close (medians); Tor on loopback varies by tens of ms. */
const timingBoundMs = 150;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

test('a stranger with a real identity who sends a valid hs1 to the user\'s onion is refused like junk, at the same time', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'stranger-identity');
	const bob = await world.party('bob', ['alice'], world.first);
	await bob.waitFor('published for alice', event => event.type === 'registry.published' && event.contact !== bob.fingerprint && event.ok);
	// Carol learned Bob's current address (read here with Alice's key, the strongest leak).
	const address = await pollUntil('Bob\'s address in Alice\'s slot', async () => world.read('alice', 'bob'), {timeoutMs: 60_000, intervalMs: 500});
	const [carol, bobCertificate] = await Promise.all([fixtureIdentity('carol'), fixtureCertificate('bob')]);
	const bobMark = bob.events.length;

	const seen: {hs1: ProbeResult[]; junk: ProbeResult[]} = {hs1: [], junk: []};
	for (let round = 0; round < rounds; round++) {
		// Alternated, so a slow moment of the machine falls on both kinds alike.
		seen.hs1.push(await probe(world.second.socksPort, address, validHs1(carol, bobCertificate, address.onion), `carol-${round}`));
		seen.junk.push(await probe(world.second.socksPort, address, junk, `junk-${round}`));
	}

	for (const [kind, results] of Object.entries(seen)) {
		for (const {bytes, closedAfterMs} of results) {
			assert.equal(bytes.length, 36, `${kind}: only hs0 came back`);
			assert.equal(bytes.readUInt32BE(0), 32, `${kind}: hs0 is a 32-byte nonce`);
			assert.ok(closedAfterMs >= rejectDelayMs - 200 && closedAfterMs <= rejectDelayMs + 1000, `${kind}: closed ${closedAfterMs} ms after the answer, at the fixed delay`);
		}
	}

	const hs1Close = median(seen.hs1.map(result => result.closedAfterMs));
	const junkClose = median(seen.junk.map(result => result.closedAfterMs));
	t.diagnostic(`close after the answer: valid hs1 ${seen.hs1.map(result => result.closedAfterMs).join('/')} ms, junk ${seen.junk.map(result => result.closedAfterMs).join('/')} ms`);
	assert.ok(Math.abs(hs1Close - junkClose) <= timingBoundMs, `a valid stranger's hs1 (median ${hs1Close} ms) and junk (median ${junkClose} ms) close within ${timingBoundMs} ms of each other`);
	const told = bob.events.slice(bobMark).filter(event => event.type !== 'registry.published' && event.type !== 'registry.nodes');
	assert.deepEqual(told, [], 'Bob\'s engine tells its user nothing about the stranger');
});
