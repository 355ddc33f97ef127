// --exec: runs the user's command for an incoming message, message text on stdin, sender fields
// in the environment, and hands back its stdout as the reply. The command is a stranger to
// umbra's secrets: it gets an environment built from an allowlist (never UMBRA_PASSPHRASE or
// anything else umbra was started with), a bounded number run at once, each under a timeout,
// and any failure is a result to report, never an exception.
import {spawn} from 'node:child_process';
import type {HookMessage} from './core.js';

export type HookResult = {ok: true; reply: string} | {ok: false; problem: string};

export type HookOptions = {
	command: string;
	/** umbra's own environment; only the allowlisted names pass. */
	env: NodeJS.ProcessEnv;
	timeoutMs: number;
	concurrency: number;
	/** Messages waiting beyond this are refused rather than queued without end. */
	maxQueue: number;
	/** The longest reply kept; a longer one fails the hook. */
	maxReplyBytes: number;
};

// Locale and paths a shell command needs to behave; nothing that could carry a secret.
const passedNames = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];
const maxStderrBytes = 2048;

export function hookEnvironment(env: NodeJS.ProcessEnv, message: HookMessage): NodeJS.ProcessEnv {
	const scrubbed: NodeJS.ProcessEnv = {};
	for (const name of passedNames) {
		if (env[name] !== undefined) {
			scrubbed[name] = env[name];
		}
	}

	return {
		...scrubbed,
		UMBRA_CONTACT: message.contact,
		UMBRA_FINGERPRINT: message.fingerprint,
		UMBRA_MESSAGE_ID: message.id,
		UMBRA_SENT_AT: message.sentAt,
	};
}

function firstLine(bytes: Buffer): string {
	// eslint-disable-next-line no-control-regex -- a hook's stderr reaches our stderr: keep it printable
	return bytes.toString('utf8').split('\n').find(line => line.trim().length > 0)?.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, '').slice(0, 200) ?? '';
}

export class HookPool {
	readonly #options: HookOptions;
	readonly #queue: Array<() => void> = [];
	readonly #running = new Set<number>();
	#active = 0;
	#stopped = false;

	constructor(options: HookOptions) {
		this.#options = options;
	}

	/** Runs the hook for one message when a slot is free. */
	async run(message: HookMessage): Promise<HookResult> {
		if (this.#stopped) {
			return {ok: false, problem: 'the bot is stopping'};
		}

		if (this.#active >= this.#options.concurrency) {
			if (this.#queue.length >= this.#options.maxQueue) {
				return {ok: false, problem: `${this.#queue.length} messages already wait for --exec; this one gets no reply`};
			}

			await new Promise<void>(resolve => {
				this.#queue.push(resolve);
			});
			if (this.#stopped) {
				return {ok: false, problem: 'the bot is stopping'};
			}
		}

		this.#active += 1;
		try {
			return await this.#spawn(message);
		} finally {
			this.#active -= 1;
			this.#queue.shift()?.();
		}
	}

	/** Kills running hooks (their process groups) and refuses new ones. */
	stop(): void {
		this.#stopped = true;
		for (const resolve of this.#queue.splice(0)) {
			resolve();
		}

		for (const pid of this.#running) {
			killGroup(pid);
		}
	}

	async #spawn(message: HookMessage): Promise<HookResult> {
		const {command, env, timeoutMs, maxReplyBytes} = this.#options;
		return new Promise(resolve => {
			// Its own process group, so a timeout also ends what the shell started.
			const child = spawn('/bin/sh', ['-c', command], {env: hookEnvironment(env, message), stdio: ['pipe', 'pipe', 'pipe'], detached: true});
			const stdout: Buffer[] = [];
			let stdoutBytes = 0;
			let stderr = Buffer.alloc(0);
			let failure: string | undefined;
			const fail = (problem: string) => {
				failure ??= problem;
				if (child.pid !== undefined) {
					killGroup(child.pid);
				}
			};

			if (child.pid !== undefined) {
				this.#running.add(child.pid);
			}

			const timer = setTimeout(() => {
				fail(`timed out after ${timeoutMs} ms`);
			}, timeoutMs);
			child.stdout.on('data', (chunk: Buffer) => {
				stdoutBytes += chunk.length;
				if (stdoutBytes > maxReplyBytes) {
					fail(`its output is longer than ${maxReplyBytes} bytes`);
					return;
				}

				stdout.push(chunk);
			});
			child.stderr.on('data', (chunk: Buffer) => {
				if (stderr.length < maxStderrBytes) {
					stderr = Buffer.concat([stderr, chunk]).subarray(0, maxStderrBytes);
				}
			});
			// A command that never reads its stdin closes the pipe early: not a failure.
			child.stdin.on('error', () => undefined);
			child.stdin.end(message.text);
			child.on('error', error => {
				failure ??= `could not start: ${error.message}`;
			});
			child.on('close', (code, signal) => {
				clearTimeout(timer);
				if (child.pid !== undefined) {
					this.#running.delete(child.pid);
				}

				if (failure === undefined && code !== 0) {
					const detail = firstLine(stderr);
					failure = `${signal ? `killed by ${signal}` : `exited with status ${code}`}${detail ? `: ${detail}` : ''}`;
				}

				resolve(failure === undefined ? {ok: true, reply: Buffer.concat(stdout).toString('utf8').replace(/\r?\n$/, '')} : {ok: false, problem: `--exec command ${failure}`});
			});
		});
	}
}

function killGroup(pid: number): void {
	try {
		process.kill(-pid, 'SIGKILL');
	} catch {
		// Already gone.
	}
}
