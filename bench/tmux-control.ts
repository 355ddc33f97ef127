// A tmux server of the benchmark's own (-L), driven through a control-mode client (tmux -C):
// tmux reports every write of the program in the pane as a %output line the moment it reads it,
// so "keystroke to screen" is timed to the program's write, not to a capture-pane poll.
import {execFileSync, spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {readFileSync, rmSync} from 'node:fs';
import process from 'node:process';

export class TmuxControl {
	readonly #socket: string;
	readonly #session = 'bench';
	readonly #client: ChildProcessWithoutNullStreams;
	readonly #outputs: number[] = [];
	readonly #waiters = new Set<() => void>();
	#buffer = '';
	#socketPath: string | undefined;

	constructor(name: string, readonly size = {columns: 120, rows: 40}) {
		this.#socket = `umbra-bench-${name}-${process.pid}`;
		// The session's first program only holds the pane until respawn-pane replaces it.
		this.#client = spawn('tmux', ['-L', this.#socket, '-f', '/dev/null', '-C', 'new-session', '-s', this.#session, '-x', String(size.columns), '-y', String(size.rows), 'sleep 100000'], {stdio: ['pipe', 'pipe', 'pipe']});
		this.#client.stdout.setEncoding('utf8');
		this.#client.stdout.on('data', (chunk: string) => {
			const at = performance.now();
			this.#buffer += chunk;
			let end: number;
			while ((end = this.#buffer.indexOf('\n')) >= 0) {
				const line = this.#buffer.slice(0, end);
				this.#buffer = this.#buffer.slice(end + 1);
				if (line.startsWith('%output ')) {
					this.#outputs.push(at);
					for (const waiter of [...this.#waiters]) {
						waiter();
					}
				}
			}
		});
	}

	#run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.#socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
	}

	async ready(): Promise<void> {
		const deadline = Date.now() + 10_000;
		while (true) {
			try {
				this.#run('has-session', '-t', this.#session);
				this.#run('set-option', '-t', this.#session, 'remain-on-exit', 'on');
				this.#socketPath = this.#run('display-message', '-p', '#{socket_path}').trim();
				return;
			} catch (error) {
				if (Date.now() > deadline) {
					throw error;
				}

				await new Promise(resolve => setTimeout(resolve, 50));
			}
		}
	}

	/** Replaces the pane's program with `command` (a shell line); returns when it was asked. */
	launch(command: string): number {
		const at = performance.now();
		this.#client.stdin.write(`respawn-pane -k -t ${this.#session} ${JSON.stringify(command)}\n`);
		return at;
	}

	/** Types literal text through the control client; returns when it was sent. */
	type(text: string): number {
		const at = performance.now();
		this.#client.stdin.write(`send-keys -t ${this.#session} -l ${JSON.stringify(text)}\n`);
		return at;
	}

	key(name: string): void {
		this.#client.stdin.write(`send-keys -t ${this.#session} ${name}\n`);
	}

	capture(): string {
		return this.#run('capture-pane', '-p', '-t', this.#session);
	}

	panePid(): number {
		return Number(this.#run('display-message', '-p', '-t', this.#session, '#{pane_pid}').trim());
	}

	/** The arrival time of the first %output after `after`. */
	async nextOutput(after: number, timeoutMs = 10_000): Promise<number> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const found = this.#outputs.find(at => at > after);
				if (found !== undefined) {
					this.#waiters.delete(check);
					clearTimeout(timer);
					resolve(found);
				}
			};

			const timer = setTimeout(() => {
				this.#waiters.delete(check);
				reject(new Error(`no screen output within ${timeoutMs} ms`));
			}, timeoutMs);
			this.#waiters.add(check);
			check();
		});
	}

	/**
	 * When the screen first showed `marker`: after each burst of output, the screen is captured;
	 * the answer is the time of the last output read before the capture that shows it.
	 */
	async firstScreenWith(marker: string, after: number, timeoutMs = 60_000): Promise<number> {
		const deadline = performance.now() + timeoutMs;
		let seen = after;
		while (performance.now() < deadline) {
			seen = await this.nextOutput(seen, Math.max(1, deadline - performance.now()));
			const latest = this.#outputs.at(-1)!;
			if (this.capture().includes(marker)) {
				return latest;
			}

			seen = latest;
		}

		throw new Error(`the screen did not show ${JSON.stringify(marker)} within ${timeoutMs} ms:\n${this.capture()}`);
	}

	/** Stops this benchmark's tmux server (and with it the pane's program) and the control client. */
	stop(): void {
		try {
			this.#run('kill-server');
		} catch {
			// Already gone.
		}

		this.#client.kill();
		// tmux leaves its socket file behind when its server is killed.
		if (this.#socketPath) {
			rmSync(this.#socketPath, {force: true});
		}
	}
}

/** CPU seconds (user + system) and resident MiB of a process, from /proc. */
export function processUsage(pid: number): {cpuSeconds: number; rssMiB: number} {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// Fields after the parenthesised command name; utime and stime are the 14th and 15th fields.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const ticks = Number(fields[11]) + Number(fields[12]);
	const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return {cpuSeconds: ticks / 100, rssMiB: Number(rss?.[1] ?? 0) / 1024};
}
