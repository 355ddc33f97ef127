// Which tor the engine uses (docs/design.md, "Tor"), with real tor processes: on the well-known ports
// it refuses a tor that asks for no authentication and one whose cookie file belongs to another
// user (any local program could pose as tor there), then starts a tor of its own from PATH with
// a torrc in DATA_DIR/tor (here joined to the private network), reports its bootstrap, and when
// that tor is killed starts it again and comes back with a new onion. A port the user names is
// used even with NULL authentication; no tor at all is a TorUnreachableError that says how to
// install it.
import {strict as assert} from 'node:assert';
import {chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {importProfile, openEngine, TorUnreachableError, type EngineEvent} from '../../source/engine/index.js';
import {accessTor} from '../../source/engine/tor/access.js';
import {startDhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {spawnTor, type SpawnedTor} from '../../source/net/own-tor.js';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import {fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';

const nobody = 65_534;

/** PIDs of live tor processes started with this torrc (the engine's own tor; we kill it by PID). */
function torsWith(torrc: string): number[] {
	return readdirSync('/proc').filter(name => /^\d+$/.test(name)).flatMap(name => {
		try {
			const commandLine = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
			const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ').at(-1)?.[0];
			return commandLine.includes(torrc) && state !== 'Z' ? [Number(name)] : [];
		} catch {
			return [];
		}
	});
}

test('tor discovery: refuses NULL auth and a foreign cookie on the well-known ports, starts and restarts its own tor', {timeout: 300_000}, async t => {
	const network = useTestNetwork();
	const directory = mkdtempSync('/tmp/umbra-discovery-');
	const tors: SpawnedTor[] = [];
	const cleanups: Array<() => Promise<void>> = [];
	t.after(async () => {
		for (const cleanup of cleanups.reverse()) {
			await cleanup().catch(() => undefined);
		}

		await Promise.allSettled(tors.map(async tor => tor.stop()));
		rmSync(directory, {recursive: true, force: true});
	});

	const noAuth = await spawnTor({cookie: false, controlSocket: false});
	tors.push(noAuth);
	const foreignCookie = await spawnTor({controlSocket: false});
	tors.push(foreignCookie);
	// As root, the cookie file really changes hands; otherwise the owner is reported as nobody's.
	const root = process.getuid?.() === 0;
	if (root) {
		chownSync(foreignCookie.cookieFile, nobody, nobody);
	}

	const fileOwner = root ? undefined : (path: string) => (path === foreignCookie.cookieFile ? nobody : process.getuid?.());

	const swarm = await startDhtSwarm({size: 4});
	cleanups.push(async () => swarm.stop());
	const dataDir = join(directory, 'alice');
	mkdirSync(dataDir, {mode: 0o700});
	const profile = await importProfile({dataDir, passphrase: 'p', secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	cleanups.push(async () => profile.close());
	const debug: string[] = [];
	const engine = await openEngine({
		profile,
		systemTorPorts: [noAuth.controlPort, foreignCookie.controlPort],
		ownTorLines: network.torrcLines,
		...(fileOwner ? {fileOwner} : {}),
		dhtBootstrap: swarm.bootstrap,
		debug: line => debug.push(line),
	});
	cleanups.push(async () => engine.stop());
	const events: EngineEvent[] = [];
	engine.subscribe(event => events.push(event));
	await engine.start();

	assert.ok(debug.some(line => line.includes(`not using the tor control port 127.0.0.1:${noAuth.controlPort}`) && line.includes('no authentication (NULL)')), `NULL auth refused: ${debug.join(' | ')}`);
	assert.ok(debug.some(line => line.includes(`not using the tor control port 127.0.0.1:${foreignCookie.controlPort}`) && line.includes('belongs to another user')), `foreign cookie refused: ${debug.join(' | ')}`);
	const torrc = join(dataDir, 'tor', 'torrc');
	assert.ok(existsSync(torrc), 'umbra\'s own tor runs with a torrc in DATA_DIR/tor');
	assert.ok(events.some(event => event.type === 'tor.bootstrap' && event.progress === 100), 'bootstrap progress reported up to 100 %');
	assert.equal(engine.status().onionUp, true);
	assert.equal(engine.status().tor.connected, true);
	const [first] = torsWith(torrc);
	assert.ok(first !== undefined, 'the own tor runs');

	// Killed: started again (new ports), a new onion on it.
	const mark = events.length;
	process.kill(first, 'SIGKILL');
	await pollUntil('the engine to be ready again on a new tor', async () => (events.slice(mark).some(event => event.type === 'lifecycle' && event.state === 'ready') ? true : undefined), {timeoutMs: 90_000, intervalMs: 100});
	assert.ok(events.slice(mark).some(event => event.type === 'error' && event.scope === 'tor'), 'the loss was reported');
	assert.equal(engine.status().onionUp, true);
	const [second] = torsWith(torrc);
	assert.ok(second !== undefined && second !== first, 'a new own tor runs');

	await engine.stop();
	await pollUntil('the own tor to be stopped with the engine', async () => (torsWith(torrc).length === 0 ? true : undefined), {timeoutMs: 10_000, intervalMs: 50});
});

test('a named control port is used even with NULL authentication; no tor at all says how to install it', {timeout: 60_000}, async t => {
	const directory = mkdtempSync('/tmp/umbra-discovery-');
	const noAuth = await spawnTor({cookie: false, controlSocket: false});
	t.after(async () => {
		await noAuth.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	const named = await accessTor({dataDir: directory, torControl: String(noAuth.controlPort), torSocks: '9050'});
	assert.equal(named.origin, 'named');
	assert.deepEqual(named.control.endpoint, {host: '127.0.0.1', port: noAuth.controlPort});
	await named.release();

	const refused = await accessTor({dataDir: directory, systemPorts: [noAuth.controlPort], findTor: () => undefined}).then(() => undefined, (error: unknown) => error);
	assert.ok(refused instanceof TorUnreachableError, `expected TorUnreachableError, got ${String(refused)}`);
	assert.equal(refused.name, 'TorUnreachableError');
	assert.match(refused.message, /apt-get install .*tor/);

	await assert.rejects(accessTor({dataDir: directory, torControl: 'not a port'}), {name: 'TorUnreachableError', message: /expected PORT or HOST:PORT/});
});
