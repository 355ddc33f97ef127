// The engine's onion addresses over time (docs/design.md, "Sessions"): a new one at every start,
// about once a day at a random hour, at once on a removal or a hide, and after tor came back
// from a restart (the old service died with tor). A rotation makes the new service first, lets
// the engine publish it and tell connected contacts (onion-change frame), and only then removes
// the old one after a short grace, which drops the circuits contacts had to it. Until then the
// old address is still accepted on, so a contact mid-redial is not refused.
import type {Socket} from 'node:net';
import type {TorControl} from '../../net/tor-control.js';
import {OnionHost, type HostedOnion} from './onion-host.js';
import {dayMs} from '../../keys/slot.js';
import {randomFraction, type Scheduler} from '../clock.js';
import type {Random} from '../session/index.js';

export type OnionRotationOptions = {
	scheduler: Scheduler;
	random: Random;
	log: (line: string) => void;
	onConnection: (socket: Socket) => void;
	/** A new address is up (not at start()): publish it and tell contacts, synchronously. */
	onRotated: (onion: HostedOnion) => void;
	onError: (message: string) => void;
	/** How long the old service stays after a rotation; default 5 s. */
	graceMs?: number;
	/** Rotate about once a day at a random hour; default true. */
	daily?: boolean;
};


export class OnionRotation {
	readonly #options: OnionRotationOptions;
	#control: TorControl | undefined;
	#host: OnionHost | undefined;
	readonly #retiring = new Set<OnionHost>();
	#rotating: Promise<void> | undefined;
	#dailyTimer: unknown;
	#stopped = false;

	constructor(options: OnionRotationOptions) {
		this.#options = options;
	}

	get current(): HostedOnion | undefined {
		return this.#host?.onion;
	}

	/** Addresses a dialer may name in its handshake: the current one and those being retired. */
	localAddresses(): string[] {
		return [this.#host, ...this.#retiring].flatMap(host => (host?.onion ? [host.onion.address] : []));
	}

	/**
	 * A first service on this control connection; resolves once its descriptor is uploaded. Used
	 * at start and after tor came back, when every earlier service is gone with the old tor.
	 */
	async open(control: TorControl): Promise<HostedOnion> {
		this.lost();
		this.#control = control;
		const host = this.#newHost(control);
		this.#host = host;
		try {
			const onion = await host.start();
			if (this.#stopped) {
				throw new Error('the engine was stopped while it was starting');
			}

			this.#scheduleDaily();
			return onion;
		} catch (error) {
			await host.stop();
			throw error;
		}
	}

	/** Tor went away: its services went with it; close the listeners and forget them. */
	lost(): void {
		this.#control = undefined;
		this.#options.scheduler.clearTimeout(this.#dailyTimer);
		for (const host of [this.#host, ...this.#retiring]) {
			void host?.stop();
		}

		this.#host = undefined;
		this.#retiring.clear();
	}

	/** A new address now; concurrent calls share one rotation; a no-op while tor is away. */
	async rotate(): Promise<void> {
		if (!this.#control || !this.#host || this.#stopped) {
			return;
		}

		this.#rotating ??= this.#rotateOnce(this.#control, this.#host).finally(() => {
			this.#rotating = undefined;
		});
		return this.#rotating;
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		this.#options.scheduler.clearTimeout(this.#dailyTimer);
		const hosts = [this.#host, ...this.#retiring];
		this.#host = undefined;
		this.#retiring.clear();
		await Promise.all(hosts.map(async host => host?.stop()));
	}

	async #rotateOnce(control: TorControl, old: OnionHost): Promise<void> {
		const host = this.#newHost(control);
		let onion: HostedOnion;
		try {
			onion = await host.start();
		} catch (error) {
			await host.stop();
			this.#options.onError(`a new onion address could not be made; the old one stays: ${(error as Error).message}`);
			return;
		}

		if (this.#stopped || this.#host !== old) {
			// Stopped, or tor was lost meanwhile (and the old host with it).
			await host.stop();
			return;
		}

		this.#host = host;
		this.#retiring.add(old);
		this.#options.onRotated(onion);
		this.#options.log('the onion address was rotated');
		this.#options.scheduler.setTimeout(() => {
			if (this.#retiring.delete(old)) {
				void old.stop();
			}
		}, this.#options.graceMs ?? 5000);
	}

	#newHost(control: TorControl): OnionHost {
		return new OnionHost({control, onConnection: this.#options.onConnection});
	}

	#scheduleDaily(): void {
		this.#options.scheduler.clearTimeout(this.#dailyTimer);
		if (this.#options.daily === false || this.#stopped) {
			return;
		}

		// About a day from now, at a random hour, so rotations do not line up across users.
		const delay = Math.round(dayMs * (0.75 + (randomFraction(this.#options.random) * 0.5)));
		this.#dailyTimer = this.#options.scheduler.setTimeout(() => {
			void this.rotate().finally(() => {
				this.#scheduleDaily();
			});
		}, delay);
	}
}
