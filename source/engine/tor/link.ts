// The engine's link to tor's control port (docs/design.md, "Tor"): connect, authenticate, follow the
// bootstrap progress, and when the connection drops (tor was killed, restarted, upgraded) keep
// reconnecting to the same endpoint until tor answers again, then hand the new connection to the
// engine, which re-creates its onion service, republishes and redials. Reconnects back off from
// half a second to a few seconds, so a restarted tor is found within seconds, not minutes.
import type {SocksEndpoint} from '../../net/socks.js';
import {TorControl, type ControlEndpoint} from '../../net/tor-control.js';
import type {Scheduler} from '../clock.js';
import type {TorEndpoints} from './access.js';

export type TorLinkOptions = {
	endpoint: ControlEndpoint;
	password?: string;
	/** A port umbra found: every reconnect authenticates as to a stranger (AuthOptions.discovered). */
	discovered?: boolean;
	scheduler: Scheduler;
	log: (line: string) => void;
	onProgress: (progress: number, summary: string) => void;
	/** The connection broke; the link is reconnecting. */
	onLost: (error: Error | undefined) => void;
	/**
	 * A new connection after a loss, bootstrapped, and the SOCKS port if it moved; a rejection
	 * drops it and the link tries again.
	 */
	onRecovered: (control: TorControl, socks: SocksEndpoint | undefined) => Promise<void>;
	/** Before each reconnect: where tor is now (a tor of umbra's own is started again there). */
	relocate?: () => Promise<TorEndpoints>;
	/** First delay between reconnect attempts and its cap; default 500 ms and 5 s. */
	reconnectDelayMs?: {first: number; max: number};
};

export class TorLink {
	readonly #options: TorLinkOptions;
	#endpoint: ControlEndpoint;
	#password: string | undefined;
	#control: TorControl | undefined;
	/** The first connection while start() waits for tor to bootstrap. */
	#bootstrapping: TorControl | undefined;
	#stopped = false;
	#timer: unknown;
	#wake: (() => void) | undefined;

	constructor(options: TorLinkOptions) {
		this.#options = options;
		this.#endpoint = options.endpoint;
		this.#password = options.password;
	}

	/** The first connection: rejects (with tor's reason) instead of retrying. */
	async start(): Promise<TorControl> {
		const control = await this.#connect();
		this.#bootstrapping = control;
		try {
			if (this.#stopped) {
				throw new Error('the tor link was stopped while it was connecting');
			}

			await this.#bootstrapped(control);
		} catch (error) {
			await control.close().catch(() => undefined);
			throw error;
		} finally {
			this.#bootstrapping = undefined;
		}

		this.#adopt(control);
		return control;
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		this.#options.scheduler.clearTimeout(this.#timer);
		this.#wake?.();
		const controls = [this.#control, this.#bootstrapping];
		this.#control = undefined;
		// A first connection still waiting for bootstrap is closed too: its start() then fails.
		await Promise.all(controls.map(async control => control?.close().catch(() => undefined)));
	}

	async #connect(): Promise<TorControl> {
		const password = this.#password;
		// Whoever listens on a found port after tor went away must not be sent a cookie file either.
		return TorControl.connect(this.#endpoint, {...(password === undefined ? {} : {password}), discovered: this.#options.discovered === true, timeoutMs: 10_000});
	}

	#adopt(control: TorControl): void {
		this.#control = control;
		control.onClose(error => {
			if (this.#stopped || this.#control !== control) {
				return;
			}

			this.#control = undefined;
			this.#options.onLost(error);
			void this.#reconnect();
		});
	}

	async #reconnect(): Promise<void> {
		const {first, max} = this.#options.reconnectDelayMs ?? {first: 500, max: 5000};
		let delay = first;
		while (!this.#stopped) {
			await this.#pause(delay);
			delay = Math.min(delay * 2, max);
			if (this.#stopped) {
				return;
			}

			let control: TorControl | undefined;
			try {
				let socks: SocksEndpoint | undefined;
				if (this.#options.relocate) {
					const located = await this.#options.relocate();
					this.#endpoint = located.endpoint;
					this.#password = located.password;
					socks = located.socks;
				}

				control = await this.#connect();
				await this.#bootstrapped(control);
				if (this.#stopped) {
					await control.close().catch(() => undefined);
					return;
				}

				this.#adopt(control);
				await this.#options.onRecovered(control, socks);
				this.#options.log('tor is back: the onion service was re-created');
				return;
			} catch (error) {
				this.#options.log(`tor is not back yet: ${(error as Error).message}`);
				if (control && this.#control === control) {
					// Dropped on purpose: the close must not start a second reconnect loop.
					this.#control = undefined;
				}

				await control?.close().catch(() => undefined);
			}
		}
	}

	async #pause(ms: number): Promise<void> {
		await new Promise<void>(resolve => {
			this.#wake = resolve;
			this.#timer = this.#options.scheduler.setTimeout(resolve, ms);
		});
		this.#wake = undefined;
	}

	/**
	 * Resolves when tor reports 100 %. STATUS_CLIENT BOOTSTRAP events carry the progress; GETINFO
	 * is asked again on each, so a missed event costs nothing.
	 */
	async #bootstrapped(control: TorControl): Promise<void> {
		let phase = await control.bootstrapPhase();
		this.#options.onProgress(phase.progress, phase.summary);
		if (phase.progress >= 100) {
			return;
		}

		await control.setEvents([...new Set([...control.events, 'STATUS_CLIENT'])]);
		await new Promise<void>((resolve, reject) => {
			const check = () => {
				void control.bootstrapPhase().then(next => {
					if (next.progress !== phase.progress) {
						phase = next;
						this.#options.onProgress(next.progress, next.summary);
					}

					if (next.progress >= 100) {
						off();
						offClose();
						resolve();
					}
				}, () => undefined);
			};

			const off = control.onEvent('STATUS_CLIENT', check);
			const offClose = control.onClose(error => {
				off();
				reject(error ?? new Error('the tor control connection closed while tor was bootstrapping'));
			});
			// Tor may have finished between the first question and SETEVENTS.
			check();
		});
	}
}
