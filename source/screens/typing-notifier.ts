// Tells the open contact when the user is typing, and that they stopped: on sending, on clearing
// the line, on switching contact, and after a pause without keys (so a draft left in the input
// line does not show "typing" for an hour). One timer, reset per key.
import {realTimers, type Timers} from './auto-away.js';

export const typingPauseMs = 5000;

export class TypingNotifier {
	readonly #send: (contact: string, typing: boolean) => void;
	readonly #timers: Timers;
	#told: string | undefined;
	#handle: unknown;

	constructor(send: (contact: string, typing: boolean) => void, timers: Timers = realTimers) {
		this.#send = send;
		this.#timers = timers;
	}

	/** The line changed: `typing` when it holds message text for `contact`. */
	update(contact: string | undefined, typing: boolean): void {
		const told = this.#told;
		if (told !== undefined && (!typing || told !== contact)) {
			this.stop();
		}

		if (!typing || contact === undefined) {
			return;
		}

		if (this.#told !== contact) {
			this.#send(contact, true);
			this.#told = contact;
		}

		this.#clearTimer();
		this.#handle = this.#timers.setTimeout(() => {
			this.#handle = undefined;
			this.stop();
		}, typingPauseMs);
	}

	/** Says "stopped" if it had said "typing". */
	stop(): void {
		this.#clearTimer();
		if (this.#told !== undefined) {
			const told = this.#told;
			this.#told = undefined;
			this.#send(told, false);
		}
	}

	#clearTimer(): void {
		if (this.#handle !== undefined) {
			this.#timers.clearTimeout(this.#handle);
			this.#handle = undefined;
		}
	}
}
