// The stream hub over in-memory sockets with the fake handshake crypto and real stores: a session
// found for a contact brings it online and resends its outbox; a message is marked sent when its
// frame was written to the socket, not when the session took it; a stored body no session will
// take fails and leaves the outbox instead of being resent on every connect; a session's end is
// the contact going offline.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test, type TestContext} from 'node:test';
import {maxMessageTextBytes, openStore, type Certificate, type EngineEvent, type HandshakeCrypto, type Store} from '../../source/engine/index.js';
import {systemClock} from '../../source/engine/clock.js';
import {PeerTable, SessionHub, Visibility} from '../../source/engine/node/index.js';
import {fakeContact, fakeCrypto, onionB, seededRandom} from '../helpers/session-harness.js';
import {ManualTime} from '../helpers/manual-time.js';
import {socketPair} from '../helpers/socket-pair.js';
import {Waiters} from '../helpers/waiters.js';

const alice = fakeContact('alice');
const bob = fakeContact('bob');
// The hub passes certificates through to the crypto port; the fake port speaks of FakeContacts.
const asCertificate = (contact: typeof alice) => contact as unknown as Certificate;

type Side = {hub: SessionHub; peers: PeerTable; store: Store; events: EngineEvent[]};

async function side(t: TestContext, directory: string, self: typeof alice, other: typeof alice, waiters: Waiters): Promise<Side> {
	const store = await openStore({path: join(directory, `${self.name}.db`), passphrase: 'hub', create: true, kdf: {N: 1024, r: 8, p: 1}});
	t.after(() => {
		store.close();
	});
	store.addContact({fingerprint: other.fingerprint, name: other.name, certificate: new Uint8Array([1])});
	const time = new ManualTime(systemClock.now());
	const peers = new PeerTable({
		scheduler: time,
		random: seededRandom(`${self.name} peers`),
		log: () => undefined,
		backoffMs: {first: 1000, max: 4000},
		mayDial: () => true,
		reader: () => undefined,
		socks: () => undefined,
		signal: new AbortController().signal,
		handshake: async () => undefined,
	});
	peers.add(asCertificate(other), false);
	const events: EngineEvent[] = [];
	const hub = new SessionHub({
		ownFingerprint: self.fingerprint,
		crypto: fakeCrypto(self) as unknown as HandshakeCrypto<Certificate>,
		random: seededRandom(self.name),
		// Real time for the handshake's clock checks; the fake scheduler keeps ticks from firing.
		clock: systemClock,
		scheduler: time,
		store,
		log: () => undefined,
		emit(event) {
			events.push(event);
			waiters.wake();
		},
		peers,
		visibility: new Visibility({peers, publisher: () => undefined, rotate: async () => undefined}),
		presence: () => ({state: 'online', status: ''}),
		localOnions: () => [onionB],
		onionPort: () => 80,
		stopping: () => false,
	});
	return {hub, peers, store, events};
}

async function connected(t: TestContext) {
	const directory = mkdtempSync(join(tmpdir(), 'umbra-stream-hub-'));
	t.after(() => {
		rmSync(directory, {recursive: true, force: true});
	});
	const waiters = new Waiters();
	const [a, b] = await Promise.all([side(t, directory, alice, bob, waiters), side(t, directory, bob, alice, waiters)]);
	const [aliceSocket, bobSocket] = socketPair();
	t.after(() => {
		aliceSocket.destroy();
	});
	const until = async (label: string, events: EngineEvent[], predicate: (event: EngineEvent) => boolean) => waiters.until(label, () => events.find(event => predicate(event)), 5000);
	return {a, b, aliceSocket, bobSocket, waiters, until, dial: async () => {
		b.hub.incoming(bobSocket);
		return a.hub.dial(aliceSocket, a.peers.get(bob.fingerprint)!, onionB, new AbortController().signal);
	}};
}

const state = (id: string, wanted: string) => (event: EngineEvent) => event.type === 'message.state' && event.id === id && event.state === wanted;

test('a session brings the contact online and resends the outbox; its end is the contact offline', async t => {
	const {a, b, aliceSocket, dial, until} = await connected(t);
	const queued = a.store.appendOutgoing({id: 'a'.repeat(32), contact: bob.fingerprint, body: 'queued before the session', createdAt: systemClock.now()});
	assert.ok(await dial(), 'the handshake succeeds');
	await until('alice sees bob online', a.events, event => event.type === 'contact.online' && event.contact === bob.fingerprint);
	await until('bob sees alice online', b.events, event => event.type === 'contact.online' && event.contact === alice.fingerprint);
	await until('the queued message delivered', a.events, state(queued.id, 'delivered'));
	assert.deepEqual(b.store.listConversation(alice.fingerprint, {limit: 10}).map(message => message.body), ['queued before the session']);
	assert.deepEqual(a.store.unackedOutgoing(), []);

	aliceSocket.destroy();
	await until('alice sees bob offline', a.events, event => event.type === 'contact.offline' && event.contact === bob.fingerprint);
	await until('bob sees alice offline', b.events, event => event.type === 'contact.offline' && event.contact === alice.fingerprint);
	assert.equal(a.peers.get(bob.fingerprint)?.session, undefined);
});

test('sent means written to the socket: a message the socket still holds stays queued', async t => {
	const {a, aliceSocket, dial, until} = await connected(t);
	await dial();
	await until('online', a.events, event => event.type === 'contact.online');
	await new Promise(resolve => {
		// The resend of the (empty) outbox runs in a microtask after the session came up.
		setImmediate(resolve);
	});
	const runner = a.peers.writable(bob.fingerprint);
	assert.ok(runner, 'the resend has run');

	aliceSocket.holding = true;
	const message = a.store.appendOutgoing({id: 'b'.repeat(32), contact: bob.fingerprint, body: 'held in the socket', createdAt: systemClock.now()});
	assert.equal(a.hub.sendStored(runner, message), 'taken', 'the session took it');
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	assert.ok(!a.events.some(state(message.id, 'sent')), 'not sent while the socket holds it');
	assert.equal(a.store.getMessage(message.id)?.state, 'queued');

	aliceSocket.release();
	await until('marked sent once written', a.events, state(message.id, 'sent'));
	await until('delivered', a.events, state(message.id, 'delivered'));
});

test('a stored body no session will take fails and leaves the outbox; the session lives on', async t => {
	const {a, b, dial, until} = await connected(t);
	// Written by hand: send() refuses such a body before it is stored.
	const tooLong = a.store.appendOutgoing({id: 'c'.repeat(32), contact: bob.fingerprint, body: 'x'.repeat(maxMessageTextBytes + 1), createdAt: systemClock.now()});
	const fine = a.store.appendOutgoing({id: 'd'.repeat(32), contact: bob.fingerprint, body: 'after the long one', createdAt: systemClock.now()});
	await dial();
	await until('the long one failed', a.events, state(tooLong.id, 'failed'));
	const error = await until('an error says why', a.events, event => event.type === 'error' && event.scope === 'session');
	assert.match((error as Extract<EngineEvent, {type: 'error'}>).message, /cannot be sent and was marked failed: message text must be 1 to/);
	await until('the next one delivered', a.events, state(fine.id, 'delivered'));
	assert.deepEqual(a.store.unackedOutgoing(), [], 'nothing left to resend');
	assert.equal(a.store.getMessage(tooLong.id)?.state, 'failed');
	assert.deepEqual(b.store.listConversation(alice.fingerprint, {limit: 10}).map(message => message.body), ['after the long one']);
	assert.ok(a.peers.get(bob.fingerprint)?.session, 'still connected');
});
