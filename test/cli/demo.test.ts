// umbra demo as a newcomer runs it: the built CLI in a real terminal (tmux) starts its own
// private Tor network and DHT swarm, the echo bot comes online and greets, a typed message comes
// back as an echo, and /quit leaves no tor behind (checked by PID) and no demo directory.
import {strict as assert} from 'node:assert';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {TmuxTerminal} from '../helpers/tmux.js';
import {pollUntil} from '../helpers/waiters.js';

const root = join(import.meta.dirname, '..', '..');
const cliPath = join(root, 'dist', 'cli.js');

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

test('umbra demo: the echo bot comes online, echoes a message, and quitting stops every tor it started', {timeout: 420_000}, async t => {
	assert.ok(existsSync(cliPath), `${cliPath} is missing: run npm run build`);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-demo-test-'));
	const stateFile = join(directory, 'state.json');
	const terminal = new TmuxTerminal('demo');
	let torPids: number[] = [];
	let demoDirectory: string | undefined;
	t.after(() => {
		terminal.kill();
		for (const pid of torPids.filter(pid => alive(pid))) {
			process.kill(pid, 'SIGKILL');
		}

		if (demoDirectory) {
			rmSync(demoDirectory, {recursive: true, force: true});
		}

		rmSync(directory, {recursive: true, force: true});
	});

	const stderrFile = join(directory, 'stderr.txt');
	terminal.start(`${process.execPath} ${cliPath} demo --state-file ${stateFile} 2>>${stderrFile}; echo "[umbra demo exited with status $?]" >>${stderrFile}`, {HOME: directory});
	try {
		// The private network's own bound on its start is 180 s (14 to 28 s measured on 2 idle cores).
		await pollUntil('the demo to write its state file', () => existsSync(stateFile) && readFileSync(stateFile, 'utf8').endsWith('\n'), 200_000, {pollMs: 100});
		const state = JSON.parse(readFileSync(stateFile, 'utf8')) as {directory: string; torPids: number[]};
		torPids = state.torPids;
		demoDirectory = state.directory;
		assert.equal(torPids.length, 7, 'three authorities, two relays, two clients');
		assert.ok(torPids.every(pid => alive(pid)));

		await terminal.waitFor('the echo bot online and its greeting', screen => /● echo-bot/.test(screen) && screen.includes('I am an echo bot'), 120_000);
		terminal.type('ping from the demo test ü 世界');
		terminal.key('Enter');
		await terminal.waitFor('the echo', screen => screen.includes('echo: ping from the demo test ü 世界'), 60_000);

		terminal.type('/quit');
		terminal.key('Enter');
		await pollUntil('the demo to exit', () => terminal.exited(), 60_000, {pollMs: 100});
		await pollUntil('every tor the demo started to exit', () => torPids.every(pid => !alive(pid)), 30_000, {pollMs: 100});
		assert.equal(existsSync(state.directory), false, 'the demo directory is removed');
		assert.match(readFileSync(join(directory, 'stderr.txt'), 'utf8'), /stopping everything the demo started/);
	} catch (error) {
		terminal.capture();
		t.diagnostic(`screens kept in ${terminal.saveScreens(root, 'demo')}`);
		const stderr = existsSync(join(directory, 'stderr.txt')) ? readFileSync(join(directory, 'stderr.txt'), 'utf8') : '(none)';
		throw new Error(`${(error as Error).message}\nthe demo's standard error:\n${stderr.slice(-3000)}`, {cause: error});
	}
});
