// OnionRotation over the real control client and fake tors on loopback, on the fake clock. A
// rotation swaps to the standby made ahead of time, so it waits for no upload; the address being
// left closes new streams from the moment the rotation is asked and is deleted after the grace,
// counted from then (not before); concurrent calls share one rotation; a day later it rotates on
// its own; while tor is away, or once stopped, nothing rotates. A failed rotation deletes the old
// address all the same, says so, and is tried again with a doubling backoff until a new address
// comes up (a scripted control port: a real tor cannot be made to fail ADD_ONION on demand).
import {strict as assert} from 'node:assert';
import {connect, type Socket} from 'node:net';
import {describe, it, type TestContext} from 'node:test';
import {OnionRotation, type HostedOnion} from '../../source/engine/tor/index.js';
import {TorControl} from '../../source/net/tor-control.js';
import {startFakeControlPort} from '../helpers/fake-control-port.js';
import {startFakeTor} from '../helpers/fake-tor.js';
import {ManualTime} from '../helpers/manual-time.js';
import {seededRandom} from '../helpers/session-harness.js';
import {Waiters} from '../helpers/waiters.js';

const base32 = 'abcdefghijklmnopqrstuvwxyz234567';

type Tor = {
	control: TorControl;
	/** Services added, in order: id and the local port tor would forward to. */
	added: Array<{id: string; port: number}>;
	deleted: string[];
	/** Which ADD_ONIONs fail, counting from 1. */
	failing: Set<number>;
	calls: {addOnion: number};
	/** While set, descriptor uploads are reported only when release() is called. */
	uploads: {hold: boolean; release: Array<() => Promise<void>>};
	waiters: Waiters;
};

async function scriptedTor(t: TestContext): Promise<Tor> {
	const waiters = new Waiters();
	const added: Tor['added'] = [];
	const deleted: string[] = [];
	const failing = new Set<number>();
	const calls = {addOnion: 0};
	const uploads: Tor['uploads'] = {hold: false, release: []};
	const fake = await startFakeControlPort(async (line, connection) => {
		if (line.startsWith('ADD_ONION') && failing.has(++calls.addOnion)) {
			await connection.send('551 Failed to add Onion Service\r\n');
		} else if (line.startsWith('ADD_ONION')) {
			const id = Array.from({length: 56}, (_, index) => base32[(added.length * 7 + index) % 32]).join('');
			added.push({id, port: Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1])});
			await connection.send(`250-ServiceID=${id}\r\n250 OK\r\n`);
			const uploaded = async () => connection.send(`650 HS_DESC UPLOADED ${id} UNKNOWN $${'A'.repeat(40)}\r\n`);
			if (uploads.hold) {
				uploads.release.push(uploaded);
			} else {
				await uploaded();
			}
		} else {
			if (line.startsWith('DEL_ONION ')) {
				deleted.push(line.slice('DEL_ONION '.length));
			}

			await connection.send('250 OK\r\n');
		}

		waiters.wake();
	});
	const control = await TorControl.connect({host: '127.0.0.1', port: fake.port}, {timeoutMs: 5000, quitTimeoutMs: 200});
	t.after(async () => {
		await control.close().catch(() => undefined);
		await fake.close();
	});
	return {control, added, deleted, failing, calls, uploads, waiters};
}

/** Streams the services handed on, and a wake-up for each. */
type Accepted = {sockets: Socket[]; waiters: Waiters};

function rotation(time: ManualTime, accepted: Accepted) {
	const rotated: HostedOnion[] = [];
	const errors: string[] = [];
	const waiters = new Waiters();
	const onions = new OnionRotation({
		scheduler: time,
		random: length => new Uint8Array(length),
		log: () => undefined,
		onConnection(socket) {
			accepted.sockets.push(socket);
			accepted.waiters.wake();
		},
		onRotated(onion) {
			rotated.push(onion);
			waiters.wake();
		},
		onError(message) {
			errors.push(message);
			waiters.wake();
		},
		graceMs: 3000,
		retryMs: {first: 5000, max: 20_000},
		daily: false,
	});
	return {onions, rotated, errors, waiters};
}

/** Whether a new stream to the service's local port is handed on or closed unanswered. */
async function streamTo(port: number, accepted: Accepted): Promise<'accepted' | 'closed'> {
	const before = accepted.sockets.length;
	const socket = connect({host: '127.0.0.1', port});
	socket.on('error', () => undefined);
	let closed = false;
	socket.once('close', () => {
		closed = true;
		accepted.waiters.wake();
	});
	const outcome = await accepted.waiters.until(`the stream to port ${port} to be taken or closed`, () => (accepted.sockets.length > before ? 'accepted' as const : (closed ? 'closed' as const : undefined)), 5000);
	socket.destroy();
	return outcome;
}

const accepting = (): Accepted => ({sockets: [], waiters: new Waiters()});

describe('onion rotation', () => {
	it('swaps to the standby made ahead, refuses new streams on the old address at once, and deletes it after the grace', async t => {
		const tor = await scriptedTor(t);
		const time = new ManualTime(0);
		const accepted = accepting();
		const {onions, rotated} = rotation(time, accepted);
		t.after(async () => onions.stop());
		const first = await onions.open(tor.control);
		await tor.waiters.until('the standby service', () => (tor.added.length === 2 ? true : undefined), 5000);
		const [old, standby] = tor.added;
		assert.equal(first.serviceId, old?.id);
		assert.equal(await streamTo(old!.port, accepted), 'accepted', 'before the rotation the address answers');

		const rotating = onions.rotate();
		assert.equal(await streamTo(old!.port, accepted), 'closed', 'from the moment the rotation is asked, a new stream is closed unanswered');
		await rotating;
		assert.deepEqual(rotated.map(onion => onion.serviceId), [standby?.id], 'the standby became the address');
		assert.deepEqual(onions.localAddresses(), [`${standby?.id}.onion`, `${old?.id}.onion`]);
		assert.deepEqual(tor.deleted, [], 'the old service stays for the grace');
		time.advance(3000);
		await tor.waiters.until('the old service deleted', () => (tor.deleted.includes(old!.id) ? true : undefined), 5000);
		assert.deepEqual(onions.localAddresses(), [`${standby?.id}.onion`]);
		await tor.waiters.until('the next standby', () => (tor.added.length === 3 ? true : undefined), 5000);
		assert.equal(await streamTo(standby!.port, accepted), 'accepted');
	});

	it('without a standby ready, the old address is deleted after the grace all the same, while the next one is still uploading', async t => {
		const tor = await scriptedTor(t);
		const time = new ManualTime(0);
		const accepted = accepting();
		const {onions, rotated} = rotation(time, accepted);
		t.after(async () => onions.stop());
		await onions.open(tor.control);
		tor.uploads.hold = true;
		await tor.waiters.until('the standby service', () => (tor.added.length === 2 ? true : undefined), 5000);
		const [old, next] = tor.added;
		const rotating = onions.rotate();
		time.advance(3000);
		await tor.waiters.until('the old service deleted', () => (tor.deleted.includes(old!.id) ? true : undefined), 5000);
		assert.equal(rotated.length, 0, 'the next address was not up yet');
		for (const release of tor.uploads.release) {
			await release();
		}

		await rotating;
		assert.deepEqual(rotated.map(onion => onion.serviceId), [next?.id]);
	});

	it('a failed rotation deletes the old address all the same, says so, and tries again with a doubling backoff', async t => {
		const tor = await scriptedTor(t);
		const time = new ManualTime(0);
		const accepted = accepting();
		const {onions, rotated, errors, waiters} = rotation(time, accepted);
		t.after(async () => onions.stop());
		// The standby fails (the rotation, asked while it is on its way, takes it), then the first retry.
		for (const call of [2, 3]) {
			tor.failing.add(call);
		}

		await onions.open(tor.control);
		await tor.waiters.until('the standby attempt', () => (tor.calls.addOnion === 2 ? true : undefined), 5000);
		const [old] = tor.added;
		await onions.rotate();
		assert.deepEqual(onions.localAddresses(), [`${old?.id}.onion`], 'no address now but the one being left');
		assert.equal(errors.length, 1);
		assert.match(errors[0]!, /a new onion address could not be made \(.*Failed to add Onion Service.*\); umbra is unreachable until it can, and tries again in 5 s/);
		time.advance(3000);
		await tor.waiters.until('the old service deleted', () => (tor.deleted.includes(old!.id) ? true : undefined), 5000);

		time.advance(2000);
		await waiters.until('the first retry to fail', () => (errors.length === 2 ? true : undefined), 5000);
		assert.match(errors[1]!, /tries again in 10 s/);
		time.advance(9999);
		assert.equal(tor.added.length, 1, 'no attempt before the backoff');
		time.advance(1);
		await waiters.until('the second retry to bring a new address', () => (rotated.length === 1 ? true : undefined), 5000);
		assert.equal(rotated[0]?.serviceId, tor.added[1]?.id);
		assert.equal(onions.current?.serviceId, tor.added[1]?.id);
		assert.equal(await streamTo(tor.added[1]!.port, accepted), 'accepted');
	});
});

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

describe('onion rotation on a fake tor', () => {
	it('a rotation: the standby made ahead becomes the address, both accepted during the grace, the old removed after it', async t => {
		const {tor, control, time, rotated, rotation} = await rotationOnFakeTor(t);
		const first = await rotation.open(control);
		assert.equal(first.serviceId, tor.added[0]);
		assert.deepEqual(rotation.localAddresses(), [first.address]);

		await Promise.all([rotation.rotate(), rotation.rotate()]);
		assert.equal(rotated.length, 1, 'concurrent calls share one rotation');
		const second = rotated[0]!;
		assert.equal(second.serviceId, tor.added[1], 'the service made right after the first');
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

	it('about a day later the address rotates on its own, and again the day after', async t => {
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
		assert.deepEqual(rotated.map(onion => onion.serviceId), tor.added.slice(1, 3), 'each time the standby made after the last');
	});

	it('while tor is away, and once stopped, nothing rotates and no address is accepted', async t => {
		const {control, rotated, rotation} = await rotationOnFakeTor(t);
		await rotation.open(control);
		rotation.lost();
		assert.deepEqual(rotation.localAddresses(), []);
		assert.equal(rotation.current, undefined);
		await rotation.rotate();
		assert.equal(rotation.current, undefined);

		const again = await rotation.open(control);
		assert.deepEqual(rotation.localAddresses(), [again.address]);
		await rotation.stop();
		await rotation.rotate();
		assert.deepEqual(rotated, []);
		assert.deepEqual(rotation.localAddresses(), []);
	});
});
