// The built CLI (dist/cli.js) as a child process, for the tests that run umbra as users do:
// stdout split into lines, stderr kept for failure messages, waits on predicates with
// deadlines, and a kill by PID in cleanup so no child outlives its test.
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {Waiters} from '../helpers/waiters.js';

export const cliPath = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export function requireBuiltCli(): void {
	if (!existsSync(cliPath)) {
		throw new Error(`${cliPath} is missing: run \`npm run build\` first (npm test does).`);
	}
}

export type CliProcess = {
	child: ChildProcessWithoutNullStreams;
	lines: string[];
	stderr: () => string;
	exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
	waitForLine: (label: string, predicate: (line: string) => boolean, timeoutMs: number) => Promise<string>;
	kill: () => void;
};

export function startCli(args: string[], options: {env?: NodeJS.ProcessEnv} = {}): CliProcess {
	requireBuiltCli();
	const child = spawn(process.execPath, [cliPath, ...args], {env: options.env ?? {PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp'}, stdio: ['pipe', 'pipe', 'pipe']});
	const lines: string[] = [];
	let partial = '';
	let stderr = '';
	const waiters = new Waiters();
	const wake = () => {
		waiters.wake();
	};

	child.stdout.on('data', (chunk: Buffer) => {
		partial += chunk.toString('utf8');
		const parts = partial.split('\n');
		partial = parts.pop()!;
		lines.push(...parts);
		wake();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
	});
	let done = false;
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.on('exit', (code, signal) => {
			done = true;
			wake();
			resolve({code, signal});
		});
	});
	const waitForLine = async (label: string, predicate: (line: string) => boolean, timeoutMs: number) => {
		let seen = 0;
		return waiters.until(label, () => {
			for (; seen < lines.length; seen++) {
				if (predicate(lines[seen]!)) {
					return lines[seen]!;
				}
			}

			if (done) {
				throw new Error(`umbra exited before ${label}; stderr:\n${stderr}`);
			}

			return undefined;
		}, timeoutMs, () => `; stderr:\n${stderr}`);
	};
	return {
		child,
		lines,
		stderr: () => stderr,
		exited,
		waitForLine,
		kill() {
			if (!done && child.pid !== undefined) {
				process.kill(child.pid, 'SIGKILL');
			}
		},
	};
}
