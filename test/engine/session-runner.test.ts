// StreamRunner (fake handshake crypto). Over real loopback sockets: a session whose far end still
// reads answers a probe; one whose far end stopped reading (as when the contact's tor died
// without closing our side of the circuit) does not, and abort() ends it at once with the
// reason given, which the engine uses to let a contact's redial replace a stale session. Over
// in-memory sockets: what send() says, and that its callback waits for the socket's write.
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {createServer, connect, type AddressInfo, type Socket} from 'node:net';
import {test} from 'node:test';
import {maxMessageTextBytes, type Certificate} from '../../source/engine/index.js';
import {systemClock, systemScheduler} from '../../source/engine/clock.js';
import {ReplayCache, startDialer, startListener, type HandshakeStep} from '../../source/engine/session/index.js';
import {StreamRunner} from '../../source/engine/node/stream-runner.js';
import {fakeContact, fakeCrypto, onionB, seededRandom} from '../helpers/session-harness.js';
import {socketPair} from '../helpers/socket-pair.js';

const alice = fakeContact('alice');
const bob = fakeContact('bob');

function runner(socket: Socket, start: HandshakeStep<Certificate>, ends: string[]): StreamRunner {
	return new StreamRunner({
		socket,
		start,
		clock: systemClock,
		scheduler: systemScheduler,
		tickMs: 200,
		hooks: {
			onEstablished: () => true,
			onSessionEvent: () => undefined,
			onEnd: (_stream, reason) => ends.push(reason),
		},
	});
}

test('probe: true while the peer reads, false once it stopped; abort ends the session with its reason', async t => {
	const server = createServer();
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const accepted = once(server, 'connection') as Promise<[Socket]>;
	const dialerSocket = connect((server.address() as AddressInfo).port, '127.0.0.1');
	const [listenerSocket] = await accepted;
	t.after(() => {
		dialerSocket.destroy();
		listenerSocket.destroy();
		server.close();
	});

	const now = Date.now();
	// The fake crypto speaks of FakeContacts; the runner only passes them through.
	const dialerStart = startDialer({crypto: fakeCrypto(alice), random: seededRandom('d'), contact: bob, onion: onionB}, now) as unknown as HandshakeStep<Certificate>;
	const listenerStart = startListener({crypto: fakeCrypto(bob), random: seededRandom('l'), senders: () => [alice], localOnions: [onionB], replayCache: new ReplayCache()}, now) as unknown as HandshakeStep<Certificate>;
	const ends: string[] = [];
	const dialer = runner(dialerSocket, dialerStart, ends);
	const listener = runner(listenerSocket, listenerStart, []);
	const [dialed, listened] = await Promise.all([dialer.handshake, listener.handshake]);
	assert.ok(dialed && listened, 'the session is established');

	assert.equal(await dialer.probe(1000), true, 'a live peer answers the ping');

	listenerSocket.pause();
	assert.equal(await dialer.probe(500), false, 'a peer that reads nothing does not');

	const closed = once(dialerSocket, 'close');
	dialer.abort('the contact stopped answering on this session');
	await closed;
	await new Promise(resolve => setImmediate(resolve));
	assert.equal(ends.length, 1);
	assert.deepEqual(ends, ['the contact stopped answering on this session']);
});

test('send: taken and written once the socket wrote it; a body the session refuses says why; none after the end', async t => {
	const [dialerSocket, listenerSocket] = socketPair();
	t.after(() => {
		dialerSocket.destroy();
	});
	const now = Date.now();
	const dialerStart = startDialer({crypto: fakeCrypto(alice), random: seededRandom('d'), contact: bob, onion: onionB}, now) as unknown as HandshakeStep<Certificate>;
	const listenerStart = startListener({crypto: fakeCrypto(bob), random: seededRandom('l'), senders: () => [alice], localOnions: [onionB], replayCache: new ReplayCache()}, now) as unknown as HandshakeStep<Certificate>;
	const dialer = runner(dialerSocket, dialerStart, []);
	runner(listenerSocket, listenerStart, []);
	assert.equal(dialer.send({kind: 'typing', on: true}), 'no-session', 'nothing is sent during the handshake');
	assert.ok(await dialer.handshake);

	dialerSocket.holding = true;
	let written = 0;
	assert.equal(dialer.send({kind: 'typing', on: true}, () => written++), 'taken');
	await new Promise(resolve => setImmediate(resolve));
	assert.equal(written, 0, 'held in the socket: not written yet');
	dialerSocket.release();
	assert.equal(written, 1);

	const refused = dialer.send({kind: 'message', id: 'e'.repeat(32), sentAt: now, text: 'x'.repeat(maxMessageTextBytes + 1)}, () => written++);
	assert.ok(typeof refused === 'object' && /1 to \d+ bytes/.test(refused.refused), 'the reason is given');
	dialer.bye();
	assert.equal(dialer.send({kind: 'typing', on: false}, () => written++), 'no-session');
	await new Promise(resolve => setImmediate(resolve));
	assert.equal(written, 1, 'neither the refused frame nor one after the end was written');
});
