// The questions umbra asks at a terminal: init asks the user ID and the new passphrase twice,
// import shows the key and asks y/N. The CLI runs under util-linux `script`, which gives it a
// pseudo-terminal; the test answers each prompt only after it has appeared.
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {after, describe, it} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {fixtureText} from '../helpers/key-fixtures.js';
import {cliPath, requireBuiltCli, runUmbra, temporaryFolder} from './run-umbra.js';

type Dialogue = Array<{prompt: string; answer: string}>;

function requireScript(): void {
	if (spawnSync('script', ['--version']).status !== 0) {
		throw new Error('util-linux `script` is missing; install it with: apt-get install bsdutils');
	}
}

const quote = (word: string) => `'${word.replaceAll('\'', '\'\\\'\'')}'`;

/** Runs umbra on a pseudo-terminal, answering each prompt once it shows; the child is killed by PID at the deadline. */
async function atTerminal(args: string[], dialogue: Dialogue, options: {env?: Record<string, string>; timeoutMs?: number; stdinFromDevNull?: boolean} = {}): Promise<{code: number | null; output: string}> {
	requireBuiltCli();
	requireScript();
	const command = [process.execPath, cliPath, ...args].map(word => quote(word)).join(' ') + (options.stdinFromDevNull ? ' </dev/null' : '');
	const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', TERM: 'dumb', ...options.env},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let output = '';
	let next = 0;
	let searchFrom = 0;
	const answer = () => {
		const step = dialogue[next];
		if (!step) {
			return;
		}

		const at = output.indexOf(step.prompt, searchFrom);
		if (at !== -1) {
			searchFrom = at + step.prompt.length;
			next += 1;
			child.stdin.write(`${step.answer}\r`);
			answer();
		}
	};

	const collect = (chunk: Buffer) => {
		output += chunk.toString('utf8');
		answer();
	};

	child.stdout.on('data', collect);
	child.stderr.on('data', collect);
	const timer = setTimeout(() => {
		if (child.pid !== undefined && child.exitCode === null) {
			process.kill(child.pid, 'SIGKILL');
		}
	}, options.timeoutMs ?? 20_000);
	const code = await new Promise<number | null>(resolve => child.once('close', resolve)).finally(() => clearTimeout(timer));
	assert.equal(next, dialogue.length, `not every prompt appeared; the terminal showed:\n${output}`);
	return {code, output};
}

describe('umbra at a terminal', () => {
	const folder = temporaryFolder('terminal');
	const dataDir = join(folder.path, 'data');
	after(() => {
		folder.remove();
	});

	it('init asks the user ID and the passphrase twice, without echoing it', async () => {
		const {code, output} = await atTerminal(['init', '--data-dir', dataDir], [
			{prompt: 'User ID: ', answer: 'Tess Tty <tess@example.org>'},
			{prompt: 'New passphrase: ', answer: 'typed at the terminal'},
			{prompt: 'Repeat the passphrase: ', answer: 'typed at the terminal'},
		]);
		assert.equal(code, exitCodes.ok, output);
		assert.match(output, /user ID {6}Tess Tty <tess@example\.org>/);
		assert.ok(!output.includes('typed at the terminal'), 'the passphrase was not echoed');
		// The profile opens with what was typed.
		const opened = await runUmbra(['contacts', '--data-dir', dataDir], {env: {UMBRA_PASSPHRASE: 'typed at the terminal'}});
		assert.equal(opened.code, exitCodes.ok, opened.stderr);
	});

	it('with standard input not a terminal, asks for the passphrase on the controlling terminal', async () => {
		const {code, output} = await atTerminal(['contacts', '--data-dir', dataDir], [{prompt: 'Passphrase: ', answer: 'typed at the terminal'}], {stdinFromDevNull: true});
		assert.equal(code, exitCodes.ok, output);
		assert.ok(!output.includes('typed at the terminal'), 'the passphrase was not echoed');
	});

	it('import shows the key and adds it only on yes', async () => {
		const keyFile = join(folder.path, 'bob.asc');
		writeFileSync(keyFile, fixtureText('bob.pub.asc'));
		const env = {UMBRA_PASSPHRASE: 'typed at the terminal'};
		const declined = await atTerminal(['import', keyFile, '--data-dir', dataDir], [{prompt: '[y/N] ', answer: 'n'}], {env});
		assert.equal(declined.code, exitCodes.failure, declined.output);
		assert.match(declined.output, /user ID {6}Bob <bob@example\.org>[\s\S]*Add this key as "Bob"\?/);
		assert.match(declined.output, /Nothing was added/);

		const accepted = await atTerminal(['import', keyFile, '--data-dir', dataDir], [{prompt: '[y/N] ', answer: 'y'}], {env});
		assert.equal(accepted.code, exitCodes.ok, accepted.output);
		assert.match(accepted.output, /Added Bob /);
	});
});
