// The engine's onion addresses over time (docs/design.md, "Sessions"): a new one at every start,
// about once a day at a random hour, at once on a removal or a hide, and after tor came back
// from a restart (the old service died with tor).
//
// A rotation must look, to a contact just hidden from or removed, like the user going offline:
// after an exit the old address stops answering within a few seconds. So the address being left
// closes every new stream unanswered from the moment the rotation is asked (as a stopping engine
// does), and the next service is made ahead of time (a standby, uploaded in the background after
// every start and rotation), so the swap needs no descriptor upload: the engine publishes the new
// address and tells connected contacts at once (onion-change frame), and the old service is
// removed after a short grace (which drops the circuits contacts had to it). Should no new service
// come up, the old one is removed all the same, and the rotation is tried again with a backoff;
// onError says so each time.
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
	/** A new address is up (not at open()): publish it and tell contacts, synchronously. */
	onRotated: (onion: HostedOnion) => void;
	/** A rotation failed: there is no address now until the retry this message announces. */
	onError: (message: string) => void;
	/** How long the old service stays after a rotation, for onion-change frames to arrive; default 3 s. */
	graceMs?: number;
	/** The first wait before a failed rotation is tried again, doubled up to `max`; default 5 s to 5 min. */
	retryMs?: {first: number; max: number};
	/** Rotate about once a day at a random hour; default true. */
	daily?: boolean;
};


/** A service being made: its address once the descriptor is uploaded. */
type Pending = {host: OnionHost; ready: Promise<HostedOnion>};

export class OnionRotation {
	readonly #options: OnionRotationOptions;
	#control: TorControl | undefined;
	#host: OnionHost | undefined;
	#standby: Pending | undefined;
	readonly #retiring = new Set<OnionHost>();
	#rotating: Promise<void> | undefined;
	#dailyTimer: unknown;
	#retryTimer: unknown;
	#retryMs: number;
	#stopped = false;

	constructor(options: OnionRotationOptions) {
		this.#options = options;
		this.#retryMs = options.retryMs?.first ?? 5000;
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
			this.#prepareStandby(control);
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
		this.#options.scheduler.clearTimeout(this.#retryTimer);
		for (const host of this.#hosts()) {
			void host.stop();
		}

		this.#host = undefined;
		this.#standby = undefined;
		this.#retiring.clear();
	}

	/**
	 * A new address now; the current one closes new streams at once. Concurrent calls share one
	 * rotation; a no-op while tor is away.
	 */
	async rotate(): Promise<void> {
		const control = this.#control;
		if (!control || this.#stopped) {
			return;
		}

		this.#host?.refuse();
		this.#rotating ??= (async () => {
			let failed: Error | undefined;
			try {
				failed = await this.#rotateOnce(control);
			} finally {
				this.#rotating = undefined;
			}

			// After the rotation is over, so a retry is a rotation of its own.
			if (failed) {
				this.#retryLater(failed);
			}
		})();
		return this.#rotating;
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		this.#options.scheduler.clearTimeout(this.#dailyTimer);
		this.#options.scheduler.clearTimeout(this.#retryTimer);
		const hosts = this.#hosts();
		this.#host = undefined;
		this.#standby = undefined;
		this.#retiring.clear();
		await Promise.all(hosts.map(async host => host.stop()));
	}

	/** Resolves with the error when no new service came up. */
	async #rotateOnce(control: TorControl): Promise<Error | undefined> {
		this.#options.scheduler.clearTimeout(this.#retryTimer);
		// The address being left goes after the grace whether or not the next one is up by then
		// (it is, when the standby was ready): a contact just hidden from must see it go as fast
		// as after an exit, and should no new one come up, left alone it would show the user online.
		const old = this.#host;
		this.#host = undefined;
		if (old) {
			this.#retire(old);
		}

		// The standby is up already (or on its way, then no slower than a new one would be).
		const {host, ready} = this.#standby ?? this.#make(control);
		this.#standby = undefined;
		let onion: HostedOnion | undefined;
		let failed: Error | undefined;
		try {
			onion = await ready;
		} catch (error) {
			failed = error as Error;
		}

		if (!onion || this.#stopped || this.#control !== control) {
			// Failed, stopped, or tor was lost meanwhile (and every service with it).
			await host.stop();
			return this.#stopped || this.#control !== control ? undefined : failed;
		}

		this.#host = host;
		this.#retryMs = this.#options.retryMs?.first ?? 5000;
		this.#options.onRotated(onion);
		this.#options.log('the onion address was rotated');
		this.#prepareStandby(control);
		return undefined;
	}

	#retryLater(error: Error): void {
		if (this.#stopped || !this.#control) {
			return;
		}

		const delay = this.#retryMs;
		this.#retryMs = Math.min(delay * 2, this.#options.retryMs?.max ?? 300_000);
		this.#retryTimer = this.#options.scheduler.setTimeout(() => {
			void this.rotate();
		}, delay);
		this.#options.onError(`a new onion address could not be made (${error.message}); umbra is unreachable until it can, and tries again in ${Math.round(delay / 1000)} s`);
	}

	#retire(old: OnionHost): void {
		this.#retiring.add(old);
		this.#options.scheduler.setTimeout(() => {
			if (this.#retiring.delete(old)) {
				void old.stop();
			}
		}, this.#options.graceMs ?? 3000);
	}

	/** The next address, made and uploaded now so the next rotation is a swap. */
	#prepareStandby(control: TorControl): void {
		if (this.#standby || this.#stopped || this.#control !== control) {
			return;
		}

		const standby = this.#make(control);
		this.#standby = standby;
		standby.ready.catch((error: unknown) => {
			if (this.#standby === standby) {
				this.#standby = undefined;
				void standby.host.stop();
				this.#options.log(`the next onion address could not be made ahead (${(error as Error).message}); a rotation will make one`);
			}
		});
	}

	#make(control: TorControl): Pending {
		const host = this.#newHost(control);
		return {host, ready: host.start()};
	}

	#hosts(): OnionHost[] {
		return [this.#host, this.#standby?.host, ...this.#retiring].filter(host => host !== undefined);
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
