// A fake clock and scheduler for the engine's injected Clock and Scheduler: tests move time by
// hand (across midnight, past a backoff, a day of rotations) instead of waiting for it.
import type {Clock, Scheduler} from '../../source/engine/index.js';

/** Time stands still until `advance` moves it; due timers then fire in order. */
export class ManualTime implements Clock, Scheduler {
	#now: number;
	#next = 1;
	readonly #timers = new Map<number, {at: number; callback: () => void}>();

	constructor(start: number | Date) {
		this.#now = typeof start === 'number' ? start : start.getTime();
	}

	now(): number {
		return this.#now;
	}

	setTimeout(callback: () => void, ms: number): unknown {
		const id = this.#next++;
		this.#timers.set(id, {at: this.#now + Math.max(0, ms), callback});
		return id;
	}

	clearTimeout(handle: unknown): void {
		this.#timers.delete(handle as number);
	}

	get pendingTimers(): number {
		return this.#timers.size;
	}

	/** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
	advance(ms: number): void {
		const end = this.#now + ms;
		for (;;) {
			let due: [number, {at: number; callback: () => void}] | undefined;
			for (const entry of this.#timers) {
				if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) {
					due = entry;
				}
			}

			if (!due) {
				break;
			}

			this.#timers.delete(due[0]);
			this.#now = Math.max(this.#now, due[1].at);
			due[1].callback();
		}

		this.#now = end;
	}

	/** Sets the time without firing timers (a clock jump, or a restart the next morning). */
	set(time: number | Date): void {
		this.#now = typeof time === 'number' ? time : time.getTime();
	}
}
