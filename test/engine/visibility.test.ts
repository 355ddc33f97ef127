// Who may see the user, over a real peer table on the fake clock and a publisher stand-in that
// records what it is told: hiding a contact cuts its session, silences its slot and rotates the
// onion; invisible does that for everyone not hidden already, once; visible again shows only
// those not hidden; a contact added while invisible is silenced, not looked up; removing one
// forgets it and rotates.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Certificate, Publisher} from '../../source/engine/index.js';
import {PeerTable, Visibility} from '../../source/engine/node/index.js';
import {seededRandom} from '../helpers/session-harness.js';
import {ManualTime} from '../helpers/manual-time.js';
import {fakeSession} from './fake-session.js';

const certificate = (name: string) => ({fingerprint: name.toUpperCase().padEnd(40, '0'), userIds: [name]}) as unknown as Certificate;
const bob = certificate('b0b');
const carol = certificate('ca501');
const dave = certificate('da7e');

function world(options: {invisible?: boolean} = {}) {
	const time = new ManualTime(0);
	const calls: string[] = [];
	let rotations = 0;
	const peers = new PeerTable({
		scheduler: time,
		random: seededRandom('visibility'),
		log: () => undefined,
		backoffMs: {first: 1000, max: 4000},
		mayDial: () => !visibility.invisible,
		reader: () => undefined,
		socks: () => undefined,
		signal: new AbortController().signal,
		handshake: async () => assert.fail('nobody is dialed here'),
	});
	// Only what Visibility calls; each call is recorded as "verb contact-prefix".
	const publisher = {
		async hide(fingerprint: string) {
			calls.push(`hide ${fingerprint.slice(0, 4)}`);
		},
		unhide(fingerprint: string) {
			calls.push(`unhide ${fingerprint.slice(0, 4)}`);
		},
		addContact(contact: Certificate) {
			calls.push(`add ${contact.fingerprint.slice(0, 4)}`);
		},
		async removeContact(fingerprint: string) {
			calls.push(`remove ${fingerprint.slice(0, 4)}`);
		},
	} as unknown as Publisher;
	const visibility: Visibility = new Visibility({
		peers,
		publisher: () => publisher,
		async rotate() {
			rotations++;
		},
		...(options.invisible === undefined ? {} : {invisible: options.invisible}),
	});
	peers.add(bob, false);
	peers.add(carol, false);
	return {time, calls, rotations: () => rotations, peers, visibility};
}

test('hiding a contact: session cut, slot silenced, onion rotated; shown again, published and looked up', async () => {
	const {time, calls, rotations, peers, visibility} = world();
	const runner = fakeSession();
	peers.attach(bob.fingerprint, runner);
	await visibility.setHidden(bob.fingerprint, true);
	assert.equal(peers.get(bob.fingerprint)?.hidden, true);
	assert.equal(runner.byes, 1);
	assert.deepEqual(calls, ['hide B0B0']);
	assert.equal(rotations(), 1);
	assert.deepEqual(visibility.visible(), [carol]);

	await visibility.setHidden(bob.fingerprint, true);
	assert.equal(rotations(), 1, 'hiding twice changes nothing');

	await visibility.setHidden(bob.fingerprint, false);
	assert.deepEqual(calls, ['hide B0B0', 'unhide B0B0']);
	assert.equal(time.pendingTimers, 1, 'looked up at once');
	assert.equal(rotations(), 1);
	assert.deepEqual(visibility.visible(), [bob, carol]);
});

test('invisible: everyone not hidden is cut and silenced, one rotation; visible again shows only those not hidden', async () => {
	const {calls, rotations, peers, visibility} = world();
	await visibility.setHidden(carol.fingerprint, true);
	calls.length = 0;
	const runner = fakeSession();
	peers.attach(bob.fingerprint, runner);

	await visibility.setInvisible(true);
	assert.equal(visibility.invisible, true);
	assert.deepEqual(visibility.visible(), []);
	assert.equal(runner.byes, 1);
	assert.deepEqual(calls, ['hide B0B0'], 'the hidden contact was silenced before');
	assert.equal(rotations(), 2);

	calls.length = 0;
	await visibility.setInvisible(false);
	assert.deepEqual(calls, ['unhide B0B0'], 'the hidden contact stays hidden');
	assert.deepEqual(visibility.visible(), [bob]);
});

test('a contact added while invisible is silenced and not looked up; one added while visible is looked up', () => {
	const {time, calls, peers, visibility} = world({invisible: true});
	visibility.add(dave, false);
	assert.deepEqual(calls, ['add DA7E', 'hide DA7E']);
	assert.equal(time.pendingTimers, 0);
	assert.ok(peers.get(dave.fingerprint));

	const visible = world();
	visible.visibility.add(dave, false);
	assert.deepEqual(visible.calls, ['add DA7E']);
	assert.equal(visible.time.pendingTimers, 1);
});

test('a new publisher stays silent for the hidden, and for everyone while invisible', async () => {
	const {calls, visibility} = world();
	await visibility.setHidden(bob.fingerprint, true);
	calls.length = 0;
	const recorder = {
		async hide(fingerprint: string) {
			calls.push(`hide ${fingerprint.slice(0, 4)}`);
		},
	} as unknown as Publisher;
	visibility.prepare(recorder);
	assert.deepEqual(calls, ['hide B0B0']);
	assert.deepEqual(visibility.everyone(), [bob, carol]);

	const invisible = world({invisible: true});
	invisible.visibility.prepare(recorder);
	assert.deepEqual(calls, ['hide B0B0', 'hide B0B0', 'hide CA50']);
});

test('removing a contact forgets it, removes its slot and rotates', async () => {
	const {calls, rotations, peers, visibility} = world();
	const runner = fakeSession();
	peers.attach(carol.fingerprint, runner);
	await visibility.remove(carol.fingerprint);
	assert.equal(peers.get(carol.fingerprint), undefined);
	assert.equal(runner.byes, 1);
	assert.deepEqual(calls, ['remove CA50']);
	assert.equal(rotations(), 1);
	await visibility.remove(carol.fingerprint);
	assert.equal(rotations(), 1, 'an unknown contact changes nothing');
});
