// Starting and stopping one daemonized tor by PID, plus the waiting and port helpers the
// network harness shares. Tor daemonizes (RunAsDaemon), so it is not our child: it is
// stopped by the PID in its PidFile, after checking that the PID still runs our torrc.
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import process from 'node:process';
import {setTimeout as delay} from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value other than undefined, at most `timeoutMs`. Throws
 * an error naming `what`, with the last probe failure, when time runs out.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, options: {timeoutMs: number; intervalMs?: number; signal?: AbortSignal}): Promise<T> {
	const deadline = Date.now() + options.timeoutMs;
	let lastError: unknown;
	for (;;) {
		options.signal?.throwIfAborted();
		try {
			const value = await probe();
			if (value !== undefined) {
				return value;
			}

			lastError = undefined;
		} catch (error) {
			lastError = error;
		}

		if (Date.now() >= deadline) {
			const reason = lastError instanceof Error ? ` (last check: ${lastError.message})` : '';
			throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`);
		}

		await delay(options.intervalMs ?? 250, undefined, {signal: options.signal});
	}
}

/** A port that was free a moment ago. Tor's authority ports must be known before it starts. */
export async function freePort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as AddressInfo;
	await new Promise<void>(resolve => {
		server.close(() => {
			resolve();
		});
	});
	return port;
}

/** The last `count` lines of a tor's notice log, or a note that it has none. */
export async function noticeLogTail(dataDirectory: string, count = 15): Promise<string> {
	try {
		const text = await readFile(join(dataDirectory, 'notice.log'), 'utf8');
		return text.trimEnd().split('\n').slice(-count).join('\n');
	} catch {
		return '(no notice.log)';
	}
}

/**
 * Runs `tor -f torrcPath` and returns the daemon's PID. With RunAsDaemon the command exits
 * only once the config is valid and the listeners are open, so a bad option or a taken port
 * shows up here as a non-zero status.
 */
export async function launchTor(tor: string, torrcPath: string, dataDirectory: string): Promise<number> {
	const child = spawn(tor, ['--defaults-torrc', '/dev/null', '-f', torrcPath], {stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	child.stdout.setEncoding('utf8').on('data', (text: string) => {
		output += text;
	});
	child.stderr.setEncoding('utf8').on('data', (text: string) => {
		output += text;
	});
	const status = await new Promise<number | string>((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', (code, signal) => {
			resolve(code ?? signal ?? 'unknown');
		});
	});
	if (status !== 0) {
		const problems = output.split('\n').filter(line => /\[(warn|err)\]/.test(line)).join('\n');
		throw new Error(`tor -f ${torrcPath} failed to start (status ${status}):\n${problems || output.trim() || await noticeLogTail(dataDirectory)}`);
	}

	const pidFile = join(dataDirectory, 'pid');
	return pollUntil(`tor to write ${pidFile}`, async () => {
		const pid = Number.parseInt(await readFile(pidFile, 'utf8'), 10);
		return Number.isInteger(pid) && pid > 0 ? pid : undefined;
	}, {timeoutMs: 10_000, intervalMs: 50});
}

async function processState(pid: number): Promise<{alive: boolean; commandLine: string}> {
	try {
		const [stat, commandLine] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/cmdline`, 'utf8')]);
		// A zombie (state Z after the last ')') has exited; it only waits to be reaped.
		const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
		return {alive: state !== 'Z' && state !== 'X', commandLine: commandLine.replaceAll('\0', ' ')};
	} catch {
		return {alive: false, commandLine: ''};
	}
}

/** Whether `pid` is a live tor started with `torrcPath` (so a reused PID is never signalled). */
export async function isOurTor(pid: number, torrcPath: string): Promise<boolean> {
	const {alive, commandLine} = await processState(pid);
	return alive && commandLine.includes(torrcPath);
}

/** SIGTERM (tor exits at once with ShutdownWaitLength 0), then SIGKILL if it lingers; waits until it is gone. */
export async function stopTor(pid: number, torrcPath: string, timeoutMs = 5000): Promise<void> {
	if (!await isOurTor(pid, torrcPath)) {
		return;
	}

	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(pid, name);
		} catch {
			// Already gone.
		}
	};

	signal('SIGTERM');
	try {
		await pollUntil(`tor ${pid} to exit`, async () => (await isOurTor(pid, torrcPath) ? undefined : true), {timeoutMs, intervalMs: 50});
	} catch {
		signal('SIGKILL');
		await pollUntil(`tor ${pid} to die after SIGKILL`, async () => (await isOurTor(pid, torrcPath) ? undefined : true), {timeoutMs: 5000, intervalMs: 50});
	}
}
