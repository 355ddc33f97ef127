// The engine's one lifecycle, on a fake tor that never finishes bootstrapping: start() reports
// starting and connecting-tor; a stop() meanwhile makes start() fail, the lifecycle ends with
// stopping and stopped and never moves back, and the control connection is closed.
import assert from 'node:assert/strict';
import {once} from 'node:events';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {importProfile, openEngine, type EngineEvent} from '../../source/engine/index.js';
import {fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {startFakeTor} from '../helpers/fake-tor.js';
import {Waiters} from '../helpers/waiters.js';

test('stopped while tor bootstraps: start fails, the lifecycle ends stopping, stopped, and tor is let go', {timeout: 30_000}, async t => {
	const directory = mkdtempSync(join(tmpdir(), 'umbra-lifecycle-'));
	const profile = await importProfile({dataDir: directory, passphrase: 'lifecycle', secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	const tor = await startFakeTor();
	t.after(async () => {
		profile.close();
		await tor.close();
		rmSync(directory, {recursive: true, force: true});
	});
	tor.progress = 50;
	// The DHT joins through a loopback port where nobody listens: nothing leaves 127.0.0.1.
	const engine = await openEngine({profile, torControl: String(tor.control.port), torSocks: '9', dhtBootstrap: ['127.0.0.1:9']});
	const events: EngineEvent[] = [];
	const waiters = new Waiters();
	engine.subscribe(event => {
		events.push(event);
		waiters.wake();
	});

	const started = engine.start();
	await waiters.until('the bootstrap progress', () => events.find(event => event.type === 'tor.bootstrap'), 10_000);
	assert.equal(engine.status().tor.progress, 50);
	await engine.stop();
	await assert.rejects(started);
	const lifecycle = events.flatMap(event => (event.type === 'lifecycle' ? [event.state] : []));
	assert.deepEqual(lifecycle, ['starting', 'connecting-tor', 'stopping', 'stopped']);
	assert.ok(tor.control.connections.length > 0);
	// Without the close, this waits until the test times out.
	await Promise.all(tor.control.connections.map(async connection => connection.socket.closed || once(connection.socket, 'close')));
	assert.equal(engine.status().lifecycle, 'stopped');
});
