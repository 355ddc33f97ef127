// The peer table on the fake clock, with a registry reader that finds nobody: lookups back off
// (doubling to the cap) and stop when dialing is not allowed or the contact is hidden; sessions
// attach and detach only through the table, with the outbox resend holding new sends back;
// what a contact says on its session is kept only while it lasts; a cut-off contact loses its
// session and its pending lookup.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Certificate} from '../../source/engine/index.js';
import {PeerTable} from '../../source/engine/node/index.js';
import {seededRandom} from '../helpers/session-harness.js';
import {ManualTime} from '../helpers/manual-time.js';
import {Waiters} from '../helpers/waiters.js';
import {fakeSession} from './fake-session.js';

const certificate = (name: string) => ({fingerprint: name.toUpperCase().padEnd(40, '0'), userIds: [name]}) as unknown as Certificate;
const bob = certificate('b0b');
const carol = certificate('ca501');

function table(options: {mayDial?: () => boolean} = {}) {
	const time = new ManualTime(0);
	const waiters = new Waiters();
	const lookups: Array<{contact: string; at: number}> = [];
	const peers = new PeerTable({
		scheduler: time,
		random: seededRandom('peers'),
		log: () => undefined,
		backoffMs: {first: 1000, max: 4000},
		mayDial: options.mayDial ?? (() => true),
		reader: () => ({
			async lookupContact(contact: Certificate) {
				lookups.push({contact: contact.fingerprint, at: time.now()});
				waiters.wake();
				return undefined;
			},
		}),
		socks: () => ({host: '127.0.0.1', port: 9}),
		signal: new AbortController().signal,
		handshake: async () => assert.fail('nobody has an address, so nobody is dialed'),
	});
	return {time, waiters, lookups, peers};
}

test('a contact nobody finds is looked up again after about 1, 2, 4 and then at most about 4 seconds, jittered', async () => {
	const {time, waiters, lookups, peers} = table();
	assert.equal(peers.add(bob, false), true);
	assert.equal(peers.add(bob, false), false, 'known already');
	peers.lookup(bob.fingerprint, 0);
	time.advance(0);
	await waiters.until('the first lookup', () => (lookups.length > 0 ? true : undefined), 5000);
	const means = [1000, 2000, 4000, 4000, 4000, 4000];
	for (const mean of means) {
		// The retry is scheduled once the lookup's promise has settled.
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		const count = lookups.length;
		// Time moves in 50 ms steps until the retry comes, and never past one and a half means.
		while (lookups.length === count && time.now() - lookups.at(-1)!.at < mean * 1.5) {
			time.advance(50);
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		}

		await waiters.until(`a retry about ${mean} ms after the last lookup`, () => (lookups.length > count ? true : undefined), 5000);
	}

	const gaps = lookups.slice(1).map((lookup, index) => lookup.at - lookups[index]!.at);
	for (const [index, gap] of gaps.entries()) {
		const mean = means[index]!;
		assert.ok(gap >= mean / 2 && gap < mean * 1.5 + 50, `gap ${index}: ${gap} ms, mean ${mean}`);
	}

	assert.ok(new Set(gaps.slice(2)).size > 1, `the retries at the cap are not all equal: ${gaps.join(', ')}`);
	assert.ok(lookups.every(lookup => lookup.contact === bob.fingerprint));
});

test('no lookups while dialing is not allowed, nor for a hidden contact', async () => {
	let allowed = false;
	const {time, lookups, peers} = table({mayDial: () => allowed});
	peers.add(bob, false);
	peers.add(carol, true);
	peers.lookup(bob.fingerprint, 0);
	assert.equal(time.pendingTimers, 0, 'invisible or stopping: nothing scheduled');

	allowed = true;
	peers.lookup(carol.fingerprint, 0);
	time.advance(0);
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	assert.deepEqual(lookups, [], 'the hidden contact is not looked up');
	assert.equal(time.pendingTimers, 0);
});

test('sessions attach and detach through the table; the resend holds new sends back', () => {
	const {time, peers} = table();
	peers.add(bob, false);
	peers.lookup(bob.fingerprint, 5000);
	const first = fakeSession();
	assert.equal(peers.attach(bob.fingerprint, first), undefined, 'a first session');
	assert.equal(time.pendingTimers, 0, 'its pending lookup is called off');
	assert.equal(peers.get(bob.fingerprint)?.session, first);
	assert.equal(peers.writable(bob.fingerprint), undefined, 'the outbox resend goes first');
	assert.equal(peers.resendStarts(bob.fingerprint, fakeSession()), false, 'not for a stream that is not the session');
	assert.equal(peers.resendStarts(bob.fingerprint, first), true);
	assert.equal(peers.writable(bob.fingerprint), first);

	const second = fakeSession();
	assert.equal(peers.attach(bob.fingerprint, second), first, 'the replaced session is returned to be closed');
	assert.equal(peers.detach(bob.fingerprint, first), false, 'the old stream ending changes nothing');
	assert.equal(peers.get(bob.fingerprint)?.session, second);
	assert.equal(peers.detach(bob.fingerprint, second), true);
	assert.equal(peers.get(bob.fingerprint)?.session, undefined);
	assert.equal(peers.writable(bob.fingerprint), undefined);
});

test('what a contact says lasts as long as its session', () => {
	const {peers} = table();
	peers.add(bob, false);
	peers.heard(bob.fingerprint, {presence: 'away'});
	assert.equal(peers.get(bob.fingerprint)?.heard.presence, 'online', 'nothing heard without a session');

	const runner = fakeSession();
	peers.attach(bob.fingerprint, runner);
	peers.heard(bob.fingerprint, {presence: 'away', status: 'lunch'});
	peers.heard(bob.fingerprint, {typing: true});
	assert.deepEqual(peers.get(bob.fingerprint)?.heard, {presence: 'away', status: 'lunch', typing: true});
	peers.detach(bob.fingerprint, runner);
	assert.deepEqual(peers.get(bob.fingerprint)?.heard, {presence: 'online', status: '', typing: false});
});

test('hide, cut off, delete: state changes only through the table', () => {
	const {time, peers} = table();
	peers.add(bob, false);
	assert.equal(peers.setHidden(bob.fingerprint, false), false, 'no change');
	assert.equal(peers.setHidden(bob.fingerprint, true), true);
	assert.equal(peers.get(bob.fingerprint)?.hidden, true);
	assert.deepEqual(peers.unhidden(), []);
	peers.setHidden(bob.fingerprint, false);
	assert.deepEqual(peers.unhidden(), [bob]);

	const runner = fakeSession();
	peers.attach(bob.fingerprint, runner);
	peers.moved(bob.fingerprint, {onion: 'x'.repeat(56), port: 80});
	peers.lookup(bob.fingerprint, 1000);
	peers.cutOff(bob.fingerprint);
	assert.equal(runner.byes, 1, 'its session is told bye');
	assert.equal(time.pendingTimers, 0, 'its lookup is called off');
	assert.equal(peers.get(bob.fingerprint)?.movedTo, undefined, 'the address it moved to is forgotten');

	peers.delete(bob.fingerprint);
	assert.equal(peers.get(bob.fingerprint), undefined);
	assert.equal(runner.byes, 2);
});

test('tor came back: every visible contact without a session is looked up at once', async () => {
	const {time, waiters, lookups, peers} = table();
	peers.add(bob, false);
	peers.add(carol, true);
	peers.redialAll();
	time.advance(0);
	await waiters.until('the lookup', () => (lookups.length > 0 ? true : undefined), 5000);
	assert.deepEqual(lookups.map(lookup => lookup.contact), [bob.fingerprint]);
});
