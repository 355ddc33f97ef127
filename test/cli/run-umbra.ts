// Runs the built CLI (dist/cli.js) the way a user or a script does: a child process with its own
// environment (no inherited UMBRA_PASSPHRASE), optional standard input, a deadline after which
// the child is killed by its PID, and its exit code and both streams as the result.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';

export const root = join(import.meta.dirname, '..', '..');
export const cliPath = join(root, 'dist', 'cli.js');

/** Fails loudly, with the fix, when the build is missing. */
export function requireBuiltCli(): void {
	if (!existsSync(cliPath)) {
		throw new Error(`${cliPath} is missing: run npm run build (npm test does it first).`);
	}
}

export type UmbraResult = {code: number | null; stdout: string; stderr: string};

export type RunOptions = {
	/** Extra environment on top of PATH and HOME, e.g. UMBRA_PASSPHRASE. */
	env?: Record<string, string>;
	/** Written to standard input, which is then closed; default: closed at once. */
	input?: string | Uint8Array;
	timeoutMs?: number;
	/** Run this file instead of `node dist/cli.js` (the bin symlink test). */
	executable?: string;
};

export async function runUmbra(args: readonly string[], options: RunOptions = {}): Promise<UmbraResult> {
	requireBuiltCli();
	const timeoutMs = options.timeoutMs ?? 20_000;
	const [command, commandArgs] = options.executable === undefined ? [process.execPath, [cliPath, ...args]] : [options.executable, [...args]];
	const child = spawn(command, commandArgs, {
		env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir(), ...options.env},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString('utf8');
	});
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString('utf8');
	});
	child.stdin.on('error', () => {}); // The child may exit before reading its input.
	child.stdin.end(options.input);
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		if (child.pid !== undefined && child.exitCode === null) {
			process.kill(child.pid, 'SIGKILL');
		}
	}, timeoutMs);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('close', exitCode => resolve(exitCode));
	}).finally(() => clearTimeout(timer));
	if (timedOut) {
		throw new Error(`umbra ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr:\n${stderr}`);
	}

	return {code, stdout, stderr};
}

/** A temporary folder removed by the returned cleanup (call it in after()). */
export function temporaryFolder(prefix: string): {path: string; remove: () => void} {
	const path = mkdtempSync(join(tmpdir(), `umbra-cli-${prefix}-`));
	return {path, remove: () => rmSync(path, {recursive: true, force: true})};
}

/** A passphrase file the way umbra accepts it (mode 0600). */
export function passphraseFile(folder: string, name: string, passphrase: string): string {
	const path = join(folder, name);
	writeFileSync(path, `${passphrase}\n`, {mode: 0o600});
	return path;
}

/** The 40 hex digits of a "fingerprint  ABCD 1234 ..." line. */
export function fingerprintIn(output: string): string {
	const match = /fingerprint\s+((?:[\dA-F]{4} ?){10})/.exec(output);
	if (!match) {
		throw new Error(`no fingerprint line in:\n${output}`);
	}

	return match[1]!.replaceAll(' ', '');
}
