// Waiting on a condition over something that changes (an engine's event log, a child's output,
// a screen): the condition is checked at once and on every wake(), and a deadline names what was
// awaited. What tells no one when it changes (a tmux screen, a file, a fake engine's call log, a
// remote service) is woken by a poll: `new Waiters({pollMs})`, or `pollUntil` for a single wait.
// Every wait in the tests goes through here.

type Probe<T> = () => T | undefined | PromiseLike<T | undefined>;

const isThenable = <T>(value: T | undefined | PromiseLike<T | undefined>): value is PromiseLike<T | undefined> =>
	typeof (value as {then?: unknown} | undefined)?.then === 'function';

export class Waiters {
	readonly #checks = new Set<() => void>();
	readonly #pollMs: number | undefined;
	#poller: ReturnType<typeof setInterval> | undefined;

	/** pollMs: also wake every pollMs while a wait is pending (for what says nothing when it changes). */
	constructor(options: {pollMs?: number} = {}) {
		this.#pollMs = options.pollMs;
	}

	/** Checks every pending wait again; call it whenever what they look at has changed. */
	wake(): void {
		for (const check of [...this.#checks]) {
			check();
		}
	}

	/**
	 * Resolves with the first value of `probe` other than undefined. A probe may be async (a
	 * dial): it is not run again while one call is pending. A probe that throws or rejects
	 * rejects the wait (say, the process it reads has exited); so does the deadline, with `label`
	 * and whatever `context` adds (a stderr tail, the last screen).
	 */
	async until<T>(label: string, probe: Probe<T>, timeoutMs: number, context: () => string = () => ''): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			let settled = false;
			let probing = false;
			const finish = () => {
				settled = true;
				clearTimeout(timer);
				this.#checks.delete(check);
				this.#updatePoller();
			};

			const succeed = (value: T | undefined) => {
				if (!settled && value !== undefined) {
					finish();
					resolve(value);
				}
			};

			const fail = (error: unknown) => {
				if (!settled) {
					finish();
					reject(error as Error);
				}
			};

			const check = () => {
				if (settled || probing) {
					return;
				}

				let value: T | undefined | PromiseLike<T | undefined>;
				try {
					value = probe();
				} catch (error) {
					fail(error);
					return;
				}

				if (isThenable(value)) {
					probing = true;
					value.then(result => {
						probing = false;
						succeed(result);
					}, (error: unknown) => {
						probing = false;
						fail(error);
					});
				} else {
					succeed(value);
				}
			};

			const timer = setTimeout(() => {
				fail(new Error(`timed out after ${timeoutMs} ms waiting for ${label}${context()}`));
			}, timeoutMs);
			this.#checks.add(check);
			this.#updatePoller();
			check();
		});
	}

	#updatePoller(): void {
		if (this.#pollMs === undefined) {
			return;
		}

		if (this.#checks.size > 0 && this.#poller === undefined) {
			this.#poller = setInterval(() => {
				this.wake();
			}, this.#pollMs);
		} else if (this.#checks.size === 0 && this.#poller !== undefined) {
			clearInterval(this.#poller);
			this.#poller = undefined;
		}
	}
}

/** Waits until `predicate` holds, checking it every `pollMs`: for state that sends no signal. */
export async function pollUntil(label: string, predicate: () => boolean, timeoutMs = 10_000, options: {pollMs?: number; context?: () => string} = {}): Promise<void> {
	await new Waiters({pollMs: options.pollMs ?? 10}).until(label, () => (predicate() ? true : undefined), timeoutMs, options.context);
}
