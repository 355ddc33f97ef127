// Attack story: Mallory cannot read the user's files, but a process umbra starts can be read by
// anything running as the user, and a child's environment is on display in /proc/PID/environ
// for as long as it runs (a tor runs for hours). A bot started with UMBRA_PASSPHRASE, as the
// manual allows, starts its own tor; that tor's environment must not hold the passphrase, under
// its name or any other. (The --exec hooks' environment is checked the same way, through
// /proc, in test/cli/bot.test.ts.)
import {strict as assert} from 'node:assert';
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {findExecutable} from '../../source/net/system-tools.js';
import {pollUntil} from '../../source/net/testnet/tor-process.js';
import {startCli, type CliProcess} from '../bot/cli-process.js';
import {makeProfile} from '../bot/peer.js';
import {closedPort} from '../helpers/ports.js';

const passphrase = 'bot passphrase';

/** PIDs of live processes started with this torrc. */
function torsWith(torrc: string): number[] {
	return readdirSync('/proc').filter(name => /^\d+$/.test(name)).flatMap(name => {
		try {
			const state = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ').at(-1)?.[0];
			return readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').includes(torrc) && state !== 'Z' ? [Number(name)] : [];
		} catch {
			return [];
		}
	});
}

test('the tor umbra starts does not inherit UMBRA_PASSPHRASE', {timeout: 120_000}, async t => {
	const directory = mkdtempSync('/tmp/umbra-child-env-');
	const state: {cli?: CliProcess; tors: number[]} = {tors: []};
	t.after(async () => {
		state.cli?.kill();
		for (const pid of state.tors) {
			try {
				process.kill(pid, 'SIGKILL');
			} catch {
				// Gone with umbra already.
			}
		}

		rmSync(directory, {recursive: true, force: true});
	});

	const dataDir = join(directory, 'bot');
	await makeProfile(dataDir, 'bob', []);
	// The tor umbra finds on PATH is the real one, kept off every network: this story is about
	// what tor is given, not about what it does.
	const realTor = findExecutable('tor');
	assert.ok(realTor, 'tor is installed');
	const bin = join(directory, 'bin');
	mkdirSync(bin);
	// The wrapper keeps a copy of its environment, which exec hands to tor unchanged: what tor
	// was given is on file even if umbra has already stopped that tor (with DisableNetwork tor
	// opens no SOCKS port, so umbra gives up on it at once).
	const given = join(directory, 'tor-environ');
	writeFileSync(join(bin, 'tor'), `#!/bin/sh\ncat /proc/$$/environ > '${given}.part' && mv '${given}.part' '${given}'\nexec ${realTor} "$@" DisableNetwork 1\n`);
	chmodSync(join(bin, 'tor'), 0o755);

	state.cli = startCli(['bot', '--data-dir', dataDir, '--dht-bootstrap', `127.0.0.1:${await closedPort()}`], {
		env: {PATH: `${bin}:${process.env['PATH'] ?? ''}`, HOME: directory, UMBRA_PASSPHRASE: passphrase},
	});
	const torrc = join(dataDir, 'tor', 'torrc');
	await pollUntil('umbra to start its own tor', async () => {
		state.tors.push(...torsWith(torrc).filter(pid => !state.tors.includes(pid)));
		if (existsSync(given)) {
			return true;
		}

		if (state.cli?.child.exitCode !== null) {
			throw new Error(`umbra exited before starting tor: ${state.cli?.stderr()}`);
		}

		return undefined;
	}, {timeoutMs: 60_000, intervalMs: 50});

	const environment = readFileSync(given, 'utf8').split('\0');
	assert.ok(environment.some(entry => entry.startsWith('PATH=')), `the environment was read: ${environment.length} entries`);
	assert.deepEqual(environment.filter(entry => entry.startsWith('UMBRA_PASSPHRASE=') || entry.includes(passphrase)), [], 'no passphrase in tor\'s environment');
});
