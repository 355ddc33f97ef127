// Attack story: Mallory learned the onion address a running umbra listens on (an old record, a
// leak) and dials it to find out whose it is and whether it is up for her. The real engine's
// listener gives her a 32-byte random nonce (length-prefixed) and, whatever she answers (junk, or a well-formed but
// unauthenticated handshake), one close after the fixed delay: the same for everyone. The
// engine tells its user nothing about her, and its contacts still reach it.
import {strict as assert} from 'node:assert';
import {randomBytes} from 'node:crypto';
import {test} from 'node:test';
import {rejectDelayMs} from '../../source/engine/index.js';
import {dialWithRetry} from '../../source/net/socks.js';
import {useTestNetwork} from '../helpers/network.js';
import {delivered, online, startWorld} from '../helpers/parties.js';

/** Dials, sends `answer` once the listener's bytes arrive, and collects everything until close. */
async function probe(socksPort: number, address: {onion: string; port: number}, answer: Buffer, name: string): Promise<{bytes: Buffer; closedAfterMs: number}> {
	// A client that never fetched this descriptor may miss it once (0xF0) on a test network: retried.
	const socket = await dialWithRetry({proxy: {host: '127.0.0.1', port: socksPort}, destination: {host: `${address.onion}.onion`, port: address.port}, isolation: {username: name, password: 'x'}, overallTimeoutMs: 90_000});
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let answeredAt = 0;
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('the listener never closed the stream'));
		}, 60_000);
		socket.on('data', (chunk: Buffer) => {
			chunks.push(chunk);
			if (answeredAt === 0 && Buffer.concat(chunks).length >= 36) {
				answeredAt = Date.now();
				socket.write(answer);
			}
		});
		socket.on('error', () => undefined);
		socket.on('close', () => {
			clearTimeout(timer);
			resolve({bytes: Buffer.concat(chunks), closedAfterMs: answeredAt === 0 ? -1 : Date.now() - answeredAt});
		});
	});
}

test('a stranger who dials a running engine\'s onion gets a random nonce and one delayed close, and nothing else', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'stranger');
	const {first, second} = world;
	const [bob, alice] = await Promise.all([
		world.party('bob', ['alice'], first),
		world.party('alice', ['bob'], second),
	]);
	await alice.waitFor('bob online', online(bob.fingerprint));

	// The strongest leak: Mallory has Bob's current address (read here with Alice's key).
	const address = await world.read('alice', 'bob');
	assert.ok(address);

	const bobMark = bob.events.length;
	const junk = await probe(second.socksPort, address, randomBytes(300), 'mallory-junk');
	const framed = Buffer.alloc(300);
	framed.writeUInt32BE(296, 0);
	randomBytes(296).copy(framed, 4);
	const lengthPrefixed = await probe(second.socksPort, address, framed, 'mallory-framed');
	for (const seen of [junk, lengthPrefixed]) {
		// hs0: a 4-byte length (32) and the listener's random nonce; nothing about who listens.
		assert.equal(seen.bytes.length, 36);
		assert.equal(seen.bytes.readUInt32BE(0), 32);
		assert.ok(seen.closedAfterMs >= rejectDelayMs - 200, `closed ${seen.closedAfterMs} ms after the answer, not before the fixed delay`);
	}

	assert.notDeepEqual(junk.bytes.subarray(4), lengthPrefixed.bytes.subarray(4), 'the nonce is fresh per stream');
	const told = bob.events.slice(bobMark).filter(event => event.type !== 'registry.published' && event.type !== 'registry.nodes');
	assert.deepEqual(told, [], 'Bob\'s engine tells its user nothing about the stranger');

	// Bob's contact still gets through.
	const message = await alice.engine.send(bob.fingerprint, 'still reachable');
	await alice.waitFor('the ack', delivered(message.id));
});
