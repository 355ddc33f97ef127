// Ctrl-C while `umbra demo` starts its private Tor network is a cancel, not a failure: one line
// on standard error, exit 130, every tor it had launched stopped (checked by the PIDs in their
// pid files, read before the signal) and its directory removed.
import {strict as assert} from 'node:assert';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {pollUntil} from '../helpers/waiters.js';
import {cliPath, requireBuiltCli} from './run-umbra.js';

/** Running, not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}

/** The demo directories under `folder` (the demo's TMPDIR). */
function demoDirectories(folder: string): string[] {
	return readdirSync(folder).filter(name => name.startsWith('umbra-demo-')).map(name => join(folder, name));
}

/** PIDs from the pid files of the tors the demo has launched so far. */
function torPids(folder: string): number[] {
	return demoDirectories(folder).flatMap(demo => readdirSync(demo).filter(name => name.startsWith('umbra-tor-network-')).flatMap(network => readdirSync(join(demo, network)).flatMap(node => {
		const pidFile = join(demo, network, node, 'pid');
		const pid = existsSync(pidFile) ? Number.parseInt(readFileSync(pidFile, 'utf8'), 10) : Number.NaN;
		return Number.isInteger(pid) && pid > 0 ? [pid] : [];
	})));
}

test('Ctrl-C while the demo starts its Tor network: one line, exit 130, every tor stopped, its directory removed', {timeout: 300_000}, async t => {
	requireBuiltCli();
	const folder = mkdtempSync(join(tmpdir(), 'umbra-demo-cancel-'));
	const child = spawn(process.execPath, [cliPath, 'demo'], {
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: folder, TMPDIR: folder},
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (text: string) => {
		stderr += text;
	});
	child.stdout.resume();
	const exited = new Promise<number | null>(resolve => {
		child.once('close', code => resolve(code));
	});
	let pids: number[] = [];
	t.after(() => {
		if (child.exitCode === null && child.pid !== undefined) {
			process.kill(child.pid, 'SIGKILL');
		}

		for (const pid of pids.filter(pid => alive(pid))) {
			process.kill(pid, 'SIGKILL');
		}

		rmSync(folder, {recursive: true, force: true});
	});

	await pollUntil('the demo to say it starts the network', () => stderr.includes('starting a private Tor network'), 60_000);
	// Three authorities and two relays running: the start is under way, clients not yet.
	await pollUntil('the demo\'s authorities and relays to run', () => {
		pids = torPids(folder);
		return pids.length >= 5;
	}, 120_000);
	assert.ok(pids.every(pid => alive(pid)), 'the tors it launched run');
	const before = stderr.length;
	process.kill(child.pid!, 'SIGINT');
	const code = await exited;

	const after = stderr.slice(before);
	assert.equal(code, 130, stderr);
	assert.match(after, /^umbra demo: cancelled; [^\n]*\n$/, `one line after the signal, not:\n${after}`);
	assert.deepEqual(pids.filter(pid => alive(pid)), [], 'no tor the demo started is left');
	assert.deepEqual(demoDirectories(folder), [], 'the demo directory is removed');
});
