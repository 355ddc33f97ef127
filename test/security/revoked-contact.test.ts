// Attack story: Bob's key is stolen, and Bob revokes it. Whoever holds the key still has
// everything a contact of Alice's has: the key to open her slot for Bob and to sign a handshake
// as Bob. Once Alice imports Bob's revocation (his new copy of the key, from him or a keyserver)
// she stops publishing her address for Bob at once, her onion moves to an address his slot never
// names, and a handshake signed with Bob's key is refused even at her current address, while
// Carol, a contact with a good key, still gets through. Bob stays in her list, shown as revoked,
// with their history.
import {strict as assert} from 'node:assert';
import {randomBytes} from 'node:crypto';
import {test} from 'node:test';
import * as openpgp from 'openpgp';
import {handleHandshake, keysHandshakeCrypto, startDialer, type ContactAddress, type HandshakeStep} from '../../source/engine/index.js';
import type {Certificate, Identity} from '../../source/keys/index.js';
import {dialWithRetry} from '../../source/net/socks.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {startWorld} from '../helpers/parties.js';

/**
 * Dials `address` through Tor and runs a real dialer handshake as `identity` towards `contact`:
 * 'established' when the listener accepted (it sent a valid hs2), else 'refused'.
 */
async function handshakeAs(identity: Identity, contact: Certificate, address: ContactAddress, socksPort: number): Promise<'established' | 'refused'> {
	const socket = await dialWithRetry({proxy: {host: '127.0.0.1', port: socksPort}, destination: {host: `${address.onion}.onion`, port: address.port}, isolation: {username: randomBytes(8).toString('hex'), password: 'x'}, overallTimeoutMs: 90_000});
	let step: HandshakeStep<Certificate> = startDialer({crypto: keysHandshakeCrypto(identity), random: length => new Uint8Array(randomBytes(length)), contact, onion: `${address.onion}.onion`}, Date.now());
	return new Promise((resolve, reject) => {
		let chain = Promise.resolve();
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('the handshake neither ended nor closed within 60 s'));
		}, 60_000);
		const finish = (outcome: 'established' | 'refused') => {
			clearTimeout(timer);
			socket.destroy();
			resolve(outcome);
		};

		const feed = (input: Parameters<typeof handleHandshake>[1]) => {
			chain = chain.then(async () => {
				step = await handleHandshake(step.state, input);
				for (const reply of step.replies) {
					if (reply.type === 'write') {
						socket.write(reply.bytes);
					}
				}

				const [event] = step.events;
				if (event) {
					finish(event.type === 'established' ? 'established' : 'refused');
				}
			});
		};

		socket.on('data', (bytes: Buffer) => {
			feed({type: 'data', bytes: new Uint8Array(bytes), now: Date.now()});
		});
		socket.on('error', () => undefined);
		socket.on('close', () => {
			feed({type: 'closed', now: Date.now()});
			void chain.then(() => {
				finish('refused');
			});
		});
	});
}

test('once Alice imports Bob\'s revocation, his key finds no address of hers and no handshake with it is accepted', {timeout: 600_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'revoked');
	const {second} = world;
	const alice = await world.party('alice', ['bob', 'carol'], world.first);
	const [bobKey, carolKey, aliceCertificate, bobCertificate] = await Promise.all([fixtureIdentity('bob'), fixtureIdentity('carol'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
	const bob = bobCertificate.fingerprint;

	// Before: the key opens Alice's slot for Bob, and a handshake signed with it is accepted.
	const known = await waitForAddress(() => world.read('bob', 'alice'), 'Alice\'s slot for Bob');
	assert.equal(await handshakeAs(bobKey, aliceCertificate, known, second.socksPort), 'established', 'Bob\'s key is accepted before the revocation');
	await alice.engine.send(bob, 'kept');

	const {publicKey: revocation} = await openpgp.revokeKey({key: bobKey.privateKey, format: 'object'});
	const mark = alice.events.length;
	const [update] = await alice.engine.mergeCertificates(revocation.armor());
	assert.equal(update?.keyState, 'revoked');
	assert.match(update?.lines.join(' ') ?? '', /bob's key was revoked/i);
	assert.equal(alice.engine.contacts().find(contact => contact.fingerprint === bob)?.keyState, 'revoked', 'Bob stays in the list, shown as revoked');
	assert.deepEqual(alice.engine.history(bob, {limit: 10}).map(message => message.body), ['kept'], 'with the history');
	assert.ok(alice.events.slice(mark).some(event => event.type === 'contact.key' && event.keyState === 'revoked'));

	// Alice's onion moved; Carol's slot names the new address, Bob's slot never will.
	const current = await waitForAddress(async () => {
		const address = await world.read('carol', 'alice');
		return address && address.onion !== known.onion ? address : undefined;
	}, 'Alice\'s new address in Carol\'s slot');
	const bobReads = await world.read('bob', 'alice');
	assert.notEqual(bobReads?.onion, current.onion, 'Bob\'s slot does not name Alice\'s new address');
	assert.equal(alice.events.slice(mark).some(event => event.type === 'registry.published' && event.contact === bob), false, 'nothing is published for Bob after the revocation');

	// Even at her current address, Bob's key gets no session; Carol's does.
	assert.equal(await handshakeAs(bobKey, aliceCertificate, current, second.socksPort), 'refused', 'a handshake signed with the revoked key is refused');
	assert.equal(await handshakeAs(carolKey, aliceCertificate, current, second.socksPort), 'established', 'a contact with a good key still gets through');
	assert.equal(alice.events.slice(mark).some(event => event.type === 'contact.online' && event.contact === bob), false, 'Alice never saw Bob online after the revocation');
});

/** Reads until an address is there (publishing is spread over a short window), for up to 90 s. */
async function waitForAddress(read: () => Promise<ContactAddress | undefined>, what: string): Promise<ContactAddress> {
	const deadline = Date.now() + 90_000;
	for (;;) {
		const address = await read();
		if (address) {
			return address;
		}

		if (Date.now() > deadline) {
			throw new Error(`${what}: no address within 90 s`);
		}
	}
}
