// Onion rotation against a fake tor on loopback and the fake clock: a rotation puts the new
// service up before the old one goes, accepts both addresses during the grace and removes the
// old one when it ends (not before); concurrent calls share one rotation; a day later it rotates
// on its own; and while tor is away, or once stopped, nothing rotates.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {TorControl} from '../../source/net/tor-control.js';
import {OnionRotation, type HostedOnion} from '../../source/engine/tor/index.js';
import {seededRandom} from '../helpers/session-harness.js';
import {startFakeTor} from '../helpers/fake-tor.js';
import {ManualTime} from '../helpers/manual-time.js';
import {Waiters} from '../helpers/waiters.js';

const day = 24 * 60 * 60 * 1000;

async function rotationOnFakeTor(t: {after: (fn: () => Promise<void>) => void}, options: {daily?: boolean} = {}) {
	const tor = await startFakeTor();
	const control = await TorControl.connect({host: '127.0.0.1', port: tor.control.port});
	const time = new ManualTime(0);
	const waiters = new Waiters();
	const rotated: HostedOnion[] = [];
	const rotation = new OnionRotation({
		scheduler: time,
		random: seededRandom('rotation'),
		log: () => undefined,
		onConnection: socket => socket.destroy(),
		onRotated(onion) {
			rotated.push(onion);
			waiters.wake();
		},
		onError: message => assert.fail(message),
		graceMs: 5000,
		daily: options.daily ?? false,
	});
	t.after(async () => {
		await rotation.stop();
		await control.close();
		await tor.close();
	});
	return {tor, control, time, waiters, rotated, rotation};
}

test('a rotation: new service first, both addresses accepted during the grace, the old removed after it', async t => {
	const {tor, control, time, rotated, rotation} = await rotationOnFakeTor(t);
	const first = await rotation.open(control);
	assert.equal(first.serviceId, tor.added[0]);
	assert.deepEqual(rotation.localAddresses(), [first.address]);

	await Promise.all([rotation.rotate(), rotation.rotate()]);
	assert.equal(tor.added.length, 2, 'concurrent calls share one rotation');
	assert.equal(rotated.length, 1);
	const second = rotated[0]!;
	assert.equal(second.serviceId, tor.added[1]);
	assert.deepEqual(rotation.current, second);
	assert.deepEqual(rotation.localAddresses(), [second.address, first.address], 'the old address still accepted');
	assert.deepEqual(tor.removed, []);

	time.advance(4999);
	assert.deepEqual(tor.removed, [], 'not removed before the grace ends');
	time.advance(1);
	assert.deepEqual(rotation.localAddresses(), [second.address]);
	await tor.control.waitForLine(line => line === `DEL_ONION ${first.serviceId}`);
	assert.ok(!tor.control.connections[0]!.received.includes(`DEL_ONION ${second.serviceId}`));
});

test('about a day later the address rotates on its own, and again the day after', async t => {
	const {tor, control, time, waiters, rotated, rotation} = await rotationOnFakeTor(t, {daily: true});
	await rotation.open(control);
	time.advance(0.75 * day - 1);
	assert.equal(rotated.length, 0, 'not within three quarters of a day');
	time.advance(0.5 * day);
	await waiters.until('a daily rotation', () => (rotated.length === 1 ? true : undefined), 5000);
	// The next one is scheduled in the promise callbacks that follow onRotated.
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	time.advance(1.25 * day);
	await waiters.until('a second daily rotation', () => (rotated.length === 2 ? true : undefined), 5000);
	assert.equal(tor.added.length, 3);
});

test('while tor is away, and once stopped, nothing rotates and no address is accepted', async t => {
	const {tor, control, rotated, rotation} = await rotationOnFakeTor(t);
	await rotation.open(control);
	rotation.lost();
	assert.deepEqual(rotation.localAddresses(), []);
	assert.equal(rotation.current, undefined);
	await rotation.rotate();
	assert.equal(tor.added.length, 1);

	const again = await rotation.open(control);
	assert.deepEqual(rotation.localAddresses(), [again.address]);
	await rotation.stop();
	await rotation.rotate();
	assert.equal(tor.added.length, 2);
	assert.deepEqual(rotated, []);
	assert.deepEqual(rotation.localAddresses(), []);
});
