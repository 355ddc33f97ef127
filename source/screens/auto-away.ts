// Auto-away: after `idleMs` without a key, presence turns away; the next key brings it back, but
// only if auto-away set it (a user who chose away or busy keeps it). One timer, re-armed only
// when it fires, so typing costs nothing and an idle screen wakes up once per period at most.

export type Timers = {
	setTimeout: (callback: () => void, ms: number) => unknown;
	clearTimeout: (handle: unknown) => void;
	now: () => number;
};

export const realTimers: Timers = {
	setTimeout: (callback, ms) => {
		const handle = setTimeout(callback, ms);
		handle.unref?.();
		return handle;
	},
	clearTimeout: handle => clearTimeout(handle as ReturnType<typeof setTimeout>),
	now: () => Date.now(),
};

export type AutoAwayOptions = {
	idleMs: number;
	/** Whether presence is plain online now (only that turns away). */
	isOnline: () => boolean;
	goAway: () => void;
	comeBack: () => void;
	timers?: Timers;
};

export class AutoAway {
	readonly #options: AutoAwayOptions;
	readonly #timers: Timers;
	#lastActivity: number;
	#handle: unknown;
	#away = false;

	constructor(options: AutoAwayOptions) {
		this.#options = options;
		this.#timers = options.timers ?? realTimers;
		this.#lastActivity = this.#timers.now();
	}

	start(): void {
		if (this.#options.idleMs > 0) {
			this.#arm(this.#options.idleMs);
		}
	}

	stop(): void {
		if (this.#handle !== undefined) {
			this.#timers.clearTimeout(this.#handle);
			this.#handle = undefined;
		}
	}

	/** A key was pressed. */
	activity(): void {
		this.#lastActivity = this.#timers.now();
		if (this.#away) {
			this.#away = false;
			this.#options.comeBack();
		}

		if (this.#handle === undefined && this.#options.idleMs > 0) {
			this.#arm(this.#options.idleMs);
		}
	}

	#arm(ms: number): void {
		this.stop();
		this.#handle = this.#timers.setTimeout(() => {
			this.#handle = undefined;
			this.#fire();
		}, ms);
	}

	#fire(): void {
		const idle = this.#timers.now() - this.#lastActivity;
		if (idle < this.#options.idleMs) {
			this.#arm(this.#options.idleMs - idle);
			return;
		}

		if (this.#options.isOnline()) {
			this.#away = true;
			this.#options.goAway();
		}
		// No timer until the next key: activity() re-arms it.
	}
}
