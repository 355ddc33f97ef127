// Waiting on a condition over something that changes (an engine's event log, a child's output):
// the condition is checked at once and on every wake(), never on a timer, and a deadline names
// what was awaited. Every recorder and child-process helper in the tests waits through this.

export class Waiters {
	readonly #checks = new Set<() => void>();

	/** Checks every pending wait again; call it whenever what they look at has changed. */
	wake(): void {
		for (const check of [...this.#checks]) {
			check();
		}
	}

	/**
	 * Resolves with the first value of `probe` other than undefined. A probe that throws rejects
	 * the wait (say, the process it reads has exited); so does the deadline, with `label` and
	 * whatever `context` adds (a stderr tail, the last lines).
	 */
	async until<T>(label: string, probe: () => T | undefined, timeoutMs: number, context: () => string = () => ''): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			const finish = () => {
				clearTimeout(timer);
				this.#checks.delete(check);
			};

			const check = () => {
				let value: T | undefined;
				try {
					value = probe();
				} catch (error) {
					finish();
					reject(error as Error);
					return;
				}

				if (value !== undefined) {
					finish();
					resolve(value);
				}
			};

			const timer = setTimeout(() => {
				finish();
				reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}${context()}`));
			}, timeoutMs);
			this.#checks.add(check);
			check();
		});
	}
}
