// The engine's link to tor's control port, against a fake tor on loopback and the fake clock:
// the first connection waits for bootstrap and reports its progress; when tor dies the link
// says so once, reconnects after its delay (never before), and hands the new connection over;
// a link that was stopped never reconnects, and one stopped during the first bootstrap lets go.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {TorControl} from '../../source/net/tor-control.js';
import {TorLink} from '../../source/engine/tor/index.js';
import {startFakeTor} from '../helpers/fake-tor.js';
import {ManualTime} from '../helpers/manual-time.js';
import {Waiters} from '../helpers/waiters.js';

async function linkOnFakeTor(t: {after: (fn: () => Promise<void>) => void}) {
	const tor = await startFakeTor();
	const time = new ManualTime(0);
	const waiters = new Waiters();
	const seen = {progress: [] as number[], lost: 0, recovered: [] as TorControl[]};
	const link = new TorLink({
		endpoint: {host: '127.0.0.1', port: tor.control.port},
		scheduler: time,
		log: () => undefined,
		reconnectDelayMs: {first: 500, max: 2000},
		onProgress(progress) {
			seen.progress.push(progress);
			waiters.wake();
		},
		onLost() {
			seen.lost++;
			waiters.wake();
		},
		async onRecovered(control) {
			seen.recovered.push(control);
			waiters.wake();
		},
	});
	t.after(async () => {
		await link.stop();
		await tor.close();
	});
	return {tor, time, waiters, seen, link};
}

test('start waits for tor to finish bootstrapping and reports the progress on the way', async t => {
	const {tor, waiters, seen, link} = await linkOnFakeTor(t);
	tor.progress = 40;
	const started = link.start();
	await waiters.until('the first progress', () => seen.progress.at(-1) === 40 || undefined, 5000);
	await tor.announce(100);
	const control = await started;
	assert.equal(control.closed, false);
	assert.deepEqual(seen.progress, [40, 100]);
});

test('a tor that died: lost once, no reconnect before the delay, then a new connection handed over', async t => {
	const {tor, time, waiters, seen, link} = await linkOnFakeTor(t);
	const first = await link.start();
	tor.kill();
	await waiters.until('the loss', () => seen.lost === 1 || undefined, 5000);
	assert.ok(first.closed);
	const connections = tor.control.connections.length;

	time.advance(499);
	assert.equal(time.pendingTimers, 1, 'the reconnect still waits for its delay');
	time.advance(1);
	const [second] = await waiters.until('the new connection', () => (seen.recovered.length > 0 ? seen.recovered : undefined), 5000);
	assert.ok(second && second !== first && !second.closed);
	assert.equal(seen.lost, 1, 'one loss reported');
	assert.equal(tor.control.connections.length, connections + 1);
});

test('a stopped link does not reconnect', async t => {
	const {tor, time, waiters, seen, link} = await linkOnFakeTor(t);
	await link.start();
	tor.kill();
	await waiters.until('the loss', () => seen.lost === 1 || undefined, 5000);
	await link.stop();
	const connections = tor.control.connections.length;
	time.advance(60_000);
	assert.equal(time.pendingTimers, 0, 'no timer left');
	assert.equal(tor.control.connections.length, connections);
	assert.deepEqual(seen.recovered, []);
});

test('stopped while tor still bootstraps: start rejects and the connection is closed', async t => {
	const {tor, waiters, seen, link} = await linkOnFakeTor(t);
	tor.progress = 10;
	const started = link.start();
	await waiters.until('the first progress', () => seen.progress.at(-1) === 10 || undefined, 5000);
	await link.stop();
	await assert.rejects(started);
	assert.deepEqual(seen.progress, [10]);
});
