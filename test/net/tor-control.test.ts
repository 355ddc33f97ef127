import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {existsSync} from 'node:fs';
import {createServer, type Socket} from 'node:net';
import process from 'node:process';
import {after, before, describe, it, type TestContext} from 'node:test';
import {
	ControlConnectionError,
	ControlError,
	ControlProtocolError,
	TorAuthenticationError,
	TorControl,
	type ControlEvent,
	type TorControlOptions,
} from '../../source/net/tor-control.js';
import {spawnTor, type SpawnedTor} from '../../source/net/own-tor.js';
import {startFakeControlPort, type FakeAuth, type FakeConnection} from '../helpers/fake-control-port.js';

function rejectsWith(type: new (...args: never[]) => Error, pattern: RegExp) {
	return (error: unknown) => {
		assert.ok(error instanceof type, `expected a ${type.name}, got ${String(error)}`);
		assert.match(error.message, pattern);
		return true;
	};
}

/** Resolves with the next `count` events (bounded, so a missing event fails the test). */
function nextEvents(control: TorControl, count: number, name?: string, timeoutMs = 5000): Promise<ControlEvent[]> {
	const events: ControlEvent[] = [];
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			unsubscribe();
			reject(new Error(`only ${events.length} of ${count} events arrived: ${JSON.stringify(events)}`));
		}, timeoutMs);
		const listener = (event: ControlEvent) => {
			events.push(event);
			if (events.length === count) {
				clearTimeout(timer);
				unsubscribe();
				resolve(events);
			}
		};
		const unsubscribe = name === undefined ? control.onEvent(listener) : control.onEvent(name, listener);
	});
}

function closedWith(control: TorControl): Promise<Error | undefined> {
	return new Promise(resolve => control.onClose(resolve));
}

async function fakeControl(t: TestContext, handler: (line: string, connection: FakeConnection) => void | Promise<void>, auth?: FakeAuth) {
	const fake = await startFakeControlPort(handler, auth);
	t.after(() => fake.close());
	const control = await TorControl.connect({host: '127.0.0.1', port: fake.port}, {timeoutMs: 5000, quitTimeoutMs: 200});
	t.after(() => control.close());
	return {fake, control};
}

describe('TorControl against a fake control port', () => {
	it('matches pipelined commands to replies dribbled a byte at a time, with events inside them', async t => {
		const {control} = await fakeControl(t, async (line, connection) => {
			if (line === 'GETINFO version') {
				await connection.dribble('250-version=1.2.3\r\n650 CIRC 1 LAUNCHED\r\n250 OK\r\n');
			} else if (line === 'GETINFO config-text') {
				await connection.dribble('250+config-text=\r\nA 1\r\n..B\r\n.\r\n650-CONF_CHANGED\r\n650-X=1\r\n650 OK\r\n250 OK\r\n');
			} else if (line === 'GETINFO status/bootstrap-phase') {
				await connection.dribble('250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=5 TAG=conn SUMMARY="Connecting to \\"a\\" relay"\r\n650+NS\r\nr x\r\n.\r\n650 OK\r\n250 OK\r\n');
			} else {
				await connection.dribble('552 Unknown Onion Service id\r\n');
			}
		});
		const events = nextEvents(control, 3);
		const [version, config, phase, deleted] = await Promise.allSettled([
			control.getInfo('version'),
			control.getInfo('config-text'),
			control.bootstrapPhase(),
			control.delOnion('aaaa'),
		]);
		assert.deepEqual(version, {status: 'fulfilled', value: {version: '1.2.3'}});
		assert.deepEqual(config, {status: 'fulfilled', value: {'config-text': 'A 1\n.B'}});
		assert.deepEqual(phase, {status: 'fulfilled', value: {progress: 5, tag: 'conn', summary: 'Connecting to "a" relay'}});
		assert.equal(deleted.status, 'rejected');
		assert.ok(deleted.reason instanceof ControlError);
		assert.equal(deleted.reason.code, 552);
		assert.equal(deleted.reason.replyText, 'Unknown Onion Service id');
		assert.deepEqual((await events).map(event => [event.name, event.lines.map(line => line.data ?? line.text)]), [
			['CIRC', ['CIRC 1 LAUNCHED']],
			['CONF_CHANGED', ['CONF_CHANGED', 'X=1', 'OK']],
			['NS', ['r x', 'OK']],
		]);
	});

	it('rejects every pending command when the connection closes mid-reply, and rejects later ones at once', async t => {
		const {control} = await fakeControl(t, async (line, connection) => {
			if (line === 'GETINFO b') {
				await connection.send('250-b=1\r\n');
				connection.socket.destroy();
			}
		});
		const closed = closedWith(control);
		const results = await Promise.allSettled([control.getInfo('a'), control.getInfo('b')]);
		for (const result of results) {
			assert.equal(result.status, 'rejected');
			assert.ok(result.reason instanceof ControlConnectionError);
			assert.match(result.reason.message, /tor closed the control connection 127\.0\.0\.1:\d+ in the middle of a reply/);
		}

		assert.match((await closed)?.message ?? '', /in the middle of a reply/);
		assert.equal(control.closed, true);
		await assert.rejects(control.getInfo('version'), rejectsWith(ControlConnectionError, /is closed: tor closed the control connection/));
	});

	for (const [name, garbage, pattern] of [
		['garbage', 'HTTP/1.0 501 Tor is not an HTTP Proxy\r\n', /three-digit status code/],
		['a different status code inside a multi-line reply', '250-version=1\r\n552 OK\r\n', /status 552 inside a multi-line reply/],
	] as const) {
		it(`closes with a ControlProtocolError when tor answers ${name}`, async t => {
			const {control, fake} = await fakeControl(t, async (_line, connection) => {
				await connection.send(garbage);
			});
			const closed = closedWith(control);
			const first = control.getInfo('version');
			const second = control.getInfo('version');
			await assert.rejects(first, rejectsWith(ControlProtocolError, pattern));
			await assert.rejects(second, rejectsWith(ControlProtocolError, pattern));
			assert.ok((await closed) instanceof ControlProtocolError);
			// The client cut the connection: the fake sees its end.
			const socket = fake.connections[0]!.socket;
			if (!socket.destroyed) {
				await new Promise(resolve => socket.once('close', resolve));
			}
		});
	}

	it('closes with a ControlProtocolError on a reply nobody asked for', async t => {
		const {control} = await fakeControl(t, async (_line, connection) => {
			await connection.send('250-version=1\r\n250 OK\r\n250 OK\r\n');
		});
		const closed = closedWith(control);
		assert.deepEqual(await control.getInfo('version'), {version: '1'});
		const error = await closed;
		assert.ok(error instanceof ControlProtocolError);
		assert.match(error.message, /a reply arrived with no command waiting for it: 250 OK/);
	});

	it('times out a connect to a port that never answers', async t => {
		const sockets: Socket[] = [];
		const socketClosed: Promise<unknown>[] = [];
		const server = createServer(socket => {
			sockets.push(socket);
			socketClosed.push(new Promise(resolve => socket.once('close', resolve)));
			socket.resume();
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		t.after(() => {
			for (const socket of sockets) {
				socket.destroy();
			}

			server.close();
		});
		const {port} = server.address() as {port: number};
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port}, {timeoutMs: 300}), rejectsWith(ControlConnectionError, /did not finish connecting and authenticating within 300 ms/));
		assert.equal(sockets.length, 1);
		// The client hung up rather than leaving the connection open.
		await socketClosed[0];
	});

	it('names the cause when nothing listens', async () => {
		const server = createServer();
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		const {port} = server.address() as {port: number};
		await new Promise(resolve => server.close(resolve));
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port}), rejectsWith(ControlConnectionError, /cannot connect to the tor control port 127\.0\.0\.1:\d+: ECONNREFUSED/));
		await assert.rejects(TorControl.connect({path: '/nonexistent/umbra/control.sock'}), rejectsWith(ControlConnectionError, /cannot connect to the tor control port unix:\/nonexistent\/umbra\/control\.sock: ENOENT/));
	});

	it('rejects a command tor never answers when the connection is closed', async t => {
		// A handler that never finishes also holds back the QUIT that close() sends, as tor would.
		const {control} = await fakeControl(t, () => new Promise(() => {}));
		const pending = control.getInfo('version');
		const closed = closedWith(control);
		await control.close();
		await assert.rejects(pending, rejectsWith(ControlConnectionError, /closed by close\(\)/));
		assert.equal(await closed, undefined);
	});

	it('refuses a SAFECOOKIE server hash that does not match the cookie, and sends nothing after it', async t => {
		const fake = await startFakeControlPort(() => {}, {kind: 'SAFECOOKIE', cookie: randomBytes(32), cookieFile: '/fake/cookie', wrongServerHash: true});
		t.after(() => fake.close());
		const cookie = randomBytes(32);
		await assert.rejects(
			TorControl.connect({host: '127.0.0.1', port: fake.port}, {readCookie: async () => cookie}),
			rejectsWith(TorAuthenticationError, /SAFECOOKIE authentication to tor at 127\.0\.0\.1:\d+ failed: the server hash does not match cookie file \/fake\/cookie/),
		);
		assert.ok(fake.connections[0]!.received.some(line => line.startsWith('AUTHCHALLENGE SAFECOOKIE ')));
		assert.ok(!fake.connections[0]!.received.some(line => line.startsWith('AUTHENTICATE')));
	});

	it('authenticates with SAFECOOKIE when the server knows the cookie', async t => {
		const cookie = randomBytes(32);
		const fake = await startFakeControlPort(() => {}, {kind: 'SAFECOOKIE', cookie, cookieFile: '/fake/cookie'});
		t.after(() => fake.close());
		const control = await TorControl.connect({host: '127.0.0.1', port: fake.port}, {readCookie: async () => cookie, quitTimeoutMs: 200});
		t.after(() => control.close());
		assert.equal(control.authMethod, 'SAFECOOKIE');
		assert.deepEqual(control.protocolInfo, {methods: ['COOKIE', 'SAFECOOKIE'], cookieFile: '/fake/cookie', torVersion: '0.4.9.11-fake'});
	});

	it('names every reason when no offered method can be used', async t => {
		const fake = await startFakeControlPort(() => {}, {kind: 'offer', protocolInfo: '250-AUTH METHODS=COOKIE,SAFECOOKIE,HASHEDPASSWORD COOKIEFILE="/nonexistent/umbra/cookie"'});
		t.after(() => fake.close());
		const endpoint = {host: '127.0.0.1', port: fake.port};
		await assert.rejects(TorControl.connect(endpoint), rejectsWith(TorAuthenticationError, /cookie file \/nonexistent\/umbra\/cookie unreadable: ENOENT.*tor offers HASHEDPASSWORD but no password was given/));
		const denied = Object.assign(new Error('permission denied'), {code: 'EACCES'});
		const options: TorControlOptions = {readCookie: async () => Promise.reject(denied)};
		await assert.rejects(TorControl.connect(endpoint, options), rejectsWith(TorAuthenticationError, /cookie file \/nonexistent\/umbra\/cookie unreadable: EACCES/));
	});

	it('waits for descriptor uploads from HS_DESC events, adding HS_DESC to the event set only while waiting', async t => {
		const id = 'a'.repeat(56);
		const {control, fake} = await fakeControl(t, async (line, connection) => {
			await connection.send(line.startsWith('GETINFO') ? '250-version=1\r\n250 OK\r\n' : '250 OK\r\n');
			if (line === 'SETEVENTS SIGNAL HS_DESC') {
				await connection.send(`650 HS_DESC UPLOAD ${id} UNKNOWN $AAAA~one DESCID HSDIR_INDEX=1\r\n650 HS_DESC UPLOAD ${id} UNKNOWN $BBBB~two DESCID\r\n650 HS_DESC UPLOADED ${id} UNKNOWN $AAAA~one\r\n`);
			}
		});
		await control.setEvents(['SIGNAL']);
		let settled = false;
		const waiting = control.waitForDescriptorUpload(id, {all: true, timeoutMs: 5000}).finally(() => {
			settled = true;
		});
		await fake.waitForLine(line => line === 'SETEVENTS SIGNAL HS_DESC');
		// A round trip after the first UPLOADED: one of two HSDirs is not enough with `all`.
		await control.getInfo('version');
		assert.equal(settled, false);
		await fake.connections[0]!.send(`650 HS_DESC UPLOADED ${id} UNKNOWN $BBBB~two\r\n`);
		await waiting;
		// The set goes back to what the caller asked for.
		await fake.waitForLine(line => fake.connections[0]!.received.at(-1) === 'SETEVENTS SIGNAL' && line === 'SETEVENTS SIGNAL');
		assert.deepEqual(control.events, ['SIGNAL']);
		// Uploads seen before a wait starts count too.
		await control.waitForDescriptorUpload(`${id}.onion`, {timeoutMs: 1000});
		await assert.rejects(control.waitForDescriptorUpload('b'.repeat(56), {timeoutMs: 100}), /not uploaded within 100 ms \(0 uploads started, 0 confirmed\)/);
	});
});

describe('TorControl against a real tor (DisableNetwork 1)', () => {
	let tor: SpawnedTor;
	before(async () => {
		tor = await spawnTor({password: 'correct horse "battery"'});
	});
	after(async () => {
		await tor?.stop();
	});

	async function connect(t: TestContext, options: TorControlOptions = {}, endpoint: {host: string; port: number} | {path: string} = {host: '127.0.0.1', port: tor.controlPort}) {
		const control = await TorControl.connect(endpoint, options);
		t.after(() => control.close());
		return control;
	}

	it('prefers SAFECOOKIE and reports what tor offered', async t => {
		const control = await connect(t);
		assert.equal(control.authMethod, 'SAFECOOKIE');
		assert.deepEqual([...control.protocolInfo.methods].sort(), ['COOKIE', 'HASHEDPASSWORD', 'SAFECOOKIE']);
		assert.equal(control.protocolInfo.cookieFile, tor.cookieFile);
		assert.match(control.protocolInfo.torVersion ?? '', /^\d+\.\d+\.\d+/);
	});

	it('as a discovered port: SAFECOOKIE with the checked cookie file, and never COOKIE', async t => {
		const control = await connect(t, {discovered: true});
		assert.equal(control.authMethod, 'SAFECOOKIE');
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port: tor.controlPort}, {discovered: true, authMethods: ['COOKIE']}), rejectsWith(TorAuthenticationError, /tor offers COOKIE, which would send the contents of whatever file it names/));
		const withPassword = await connect(t, {discovered: true, authMethods: ['COOKIE', 'HASHEDPASSWORD'], password: tor.password!});
		assert.equal(withPassword.authMethod, 'HASHEDPASSWORD');
	});

	it('authenticates with COOKIE when only that is allowed', async t => {
		const control = await connect(t, {authMethods: ['COOKIE']});
		assert.equal(control.authMethod, 'COOKIE');
		assert.match((await control.getInfo('version'))['version'] ?? '', /^\d+\.\d+/);
	});

	it('authenticates with HASHEDPASSWORD, and says why a wrong or missing password fails', async t => {
		const control = await connect(t, {authMethods: ['HASHEDPASSWORD'], password: tor.password!});
		assert.equal(control.authMethod, 'HASHEDPASSWORD');
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port: tor.controlPort}, {authMethods: ['HASHEDPASSWORD'], password: 'wrong'}), rejectsWith(TorAuthenticationError, /HASHEDPASSWORD authentication to tor at 127\.0\.0\.1:\d+ failed: 515 Authentication failed/));
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port: tor.controlPort}, {authMethods: ['HASHEDPASSWORD']}), rejectsWith(TorAuthenticationError, /tor offers HASHEDPASSWORD but no password was given/));
	});

	it('connects over the Unix control socket', async t => {
		const control = await connect(t, {}, {path: tor.controlSocketPath!});
		assert.equal(control.authMethod, 'SAFECOOKIE');
		assert.equal((await control.getInfo('process/pid'))['process/pid'], String(tor.pid));
	});

	it('authenticates with NULL to a tor without authentication, unless NULL is refused', async t => {
		const open = await spawnTor({cookie: false, controlSocket: false});
		t.after(() => open.stop());
		const control = await connect(t, {}, {host: '127.0.0.1', port: open.controlPort});
		assert.equal(control.authMethod, 'NULL');
		assert.deepEqual(control.protocolInfo.methods, ['NULL']);
		await assert.rejects(TorControl.connect({host: '127.0.0.1', port: open.controlPort}, {discovered: true}), rejectsWith(TorAuthenticationError, /no authentication \(NULL\), which is refused/));
		// stop() ends the process and removes its directory; the open connection learns of it.
		const closed = closedWith(control);
		await open.stop();
		assert.throws(() => process.kill(open.pid, 0), /ESRCH/);
		assert.equal(existsSync(open.directory), false);
		assert.ok((await closed) instanceof ControlConnectionError);
	});

	it('matches 20 concurrent commands to their own replies', async t => {
		const control = await connect(t);
		const keys = ['version', 'process/pid', 'config-file', 'net/listeners/control', 'status/bootstrap-phase', 'config-text', 'dormant', 'traffic/read', 'process/uid', 'config/names'];
		const expected = await Promise.all(keys.map(async key => control.getInfo(key)));
		const results = await Promise.all(Array.from({length: 20}, async (_, index) => control.getInfo(keys[index % keys.length]!)));
		results.forEach((result, index) => {
			assert.deepEqual(result, expected[index % keys.length]);
			assert.deepEqual(Object.keys(result), [keys[index % keys.length]]);
		});
	});

	it('reads data blocks and several keys in one GETINFO', async t => {
		const control = await connect(t);
		const values = await control.getInfo('config-text', 'version', 'config/names');
		assert.match(values['config-text'] ?? '', /^DisableNetwork 1$/m);
		assert.doesNotMatch(values['config-text'] ?? '', /\r|^\.$/m);
		assert.match(values['config/names'] ?? '', /^DisableNetwork Boolean$/m);
		assert.ok(values['version']);
		assert.deepEqual(await control.bootstrapPhase(), {progress: 0, tag: 'starting', summary: 'Starting'});
	});

	it('adds and deletes an onion service; tor\'s refusals become ControlErrors', async t => {
		const control = await connect(t);
		const {serviceId} = await control.addOnion({virtualPort: 80, targetPort: 9});
		assert.match(serviceId, /^[a-z2-7]{56}$/);
		assert.equal((await control.getInfo('onions/current'))['onions/current'], serviceId);
		await control.delOnion(serviceId);
		await assert.rejects(control.delOnion(serviceId), (error: unknown) => error instanceof ControlError && error.code === 552 && /Unknown Onion Service id/.test(error.message));
		await assert.rejects(control.addOnion({virtualPort: 80, targetPort: 9, key: 'NEW:RSA1024'}), (error: unknown) => error instanceof ControlError && error.code === 513);
		await assert.rejects(control.addOnion({virtualPort: 80, targetPort: 9, key: 'ED25519-V3:AAAA'}), (error: unknown) => error instanceof ControlError && error.code === 512);
		const detached = await control.addOnion({virtualPort: 80, targetPort: 9, detach: true, maxStreams: 4, discardPrivateKey: false});
		assert.match(detached.privateKey ?? '', /^ED25519-V3:/);
		const other = await connect(t);
		assert.equal((await other.getInfo('onions/detached'))['onions/detached'], detached.serviceId);
		await other.delOnion(detached.serviceId);
	});

	it('delivers events apart from replies', async t => {
		const control = await connect(t);
		await control.setEvents(['CONF_CHANGED', 'SIGNAL']);
		const changes = nextEvents(control, 1, 'CONF_CHANGED');
		const signals = nextEvents(control, 1, 'SIGNAL');
		await control.command('SETCONF MaxCircuitDirtiness=700');
		const [changed] = await changes;
		await control.command('SIGNAL RELOAD');
		const [signal] = await signals;
		assert.equal(changed?.name, 'CONF_CHANGED');
		assert.ok(changed?.lines.some(line => line.text === 'MaxCircuitDirtiness=700'));
		assert.deepEqual([signal?.name, signal?.text], ['SIGNAL', 'RELOAD']);
		await assert.rejects(control.setEvents(['NO_SUCH_EVENT']), (error: unknown) => error instanceof ControlError && error.code === 552);
		assert.deepEqual(control.events, ['CONF_CHANGED', 'SIGNAL']);
	});

	it('rejects pending commands and tells onClose when tor dies', async t => {
		const doomed = await spawnTor({controlSocket: false});
		t.after(() => doomed.stop());
		const control = await connect(t, {}, {host: '127.0.0.1', port: doomed.controlPort});
		const closed = closedWith(control);
		// Stopped first, so the commands are surely still pending when it dies.
		process.kill(doomed.pid, 'SIGSTOP');
		const pending = Array.from({length: 5}, async () => control.getInfo('version'));
		process.kill(doomed.pid, 'SIGKILL');
		for (const result of await Promise.allSettled(pending)) {
			assert.equal(result.status, 'rejected');
			assert.ok(result.reason instanceof ControlConnectionError);
			assert.match(result.reason.message, /tor closed the control connection|broke: ECONNRESET/);
		}

		assert.ok((await closed) instanceof ControlConnectionError);
		assert.equal(control.closed, true);
		await assert.rejects(control.command('GETINFO version'), ControlConnectionError);
	});
});
