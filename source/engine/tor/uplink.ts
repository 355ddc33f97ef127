// Tor as the engine stands on it: the control link (link.ts) and the onion address over time
// (rotation.ts), and what the status line shows of both. When tor goes away, the onion service
// goes with it and the engine is told to drop its streams; when tor is back, a new service is
// made and handed to the engine to publish and redial.
import type {Socket} from 'node:net';
import type {SocksEndpoint} from '../../net/socks.js';
import type {TorControl} from '../../net/tor-control.js';
import type {Clock, Scheduler} from '../clock.js';
import type {EngineEvent, LifecycleState} from '../events.js';
import type {Random} from '../session/index.js';
import {TorLink, type TorLinkOptions} from './link.js';
import type {HostedOnion} from './onion-host.js';
import {OnionRotation} from './rotation.js';

export type TorUplinkOptions = {
	clock: Clock;
	scheduler: Scheduler;
	random: Random;
	log: (line: string) => void;
	/** tor.bootstrap, onion.changed, and errors of scope tor and onion. */
	emit: (event: EngineEvent) => void;
	onConnection: (socket: Socket) => void;
	/** After a loss: connecting-tor, then publishing while the new service is made, then ready. */
	onLifecycle: (state: LifecycleState) => void;
	/** Tor went away, and every stream with it. */
	onLost: () => void;
	/** A new address is up: rotated (tell connected contacts) or after tor came back (redial them). */
	onOnion: (onion: HostedOnion, cause: 'rotated' | 'recovered') => void;
	/** A tor of umbra's own was started again on another SOCKS port. */
	onSocks: (socks: SocksEndpoint) => void;
	reconnectDelayMs?: {first: number; max: number};
	graceMs?: number;
	daily?: boolean;
};

export type UplinkStatus = {tor: {progress: number; summary: string; connected: boolean}; onionUp: boolean; onionSince: number | undefined};

export class TorUplink {
	readonly #options: TorUplinkOptions;
	readonly #onions: OnionRotation;
	#link: TorLink | undefined;
	#tor = {progress: 0, summary: '', connected: false};
	#onionSince: number | undefined;
	#stopped = false;

	constructor(options: TorUplinkOptions) {
		this.#options = options;
		this.#onions = new OnionRotation({
			scheduler: options.scheduler,
			random: options.random,
			log: options.log,
			onConnection: options.onConnection,
			onRotated: onion => {
				this.#onionChanged();
				options.onOnion(onion, 'rotated');
			},
			onError: message => {
				// No address until the retry: onionUp turns false.
				this.#onionChanged();
				options.emit({type: 'error', scope: 'onion', message});
			},
			...(options.graceMs === undefined ? {} : {graceMs: options.graceMs}),
			...(options.daily === undefined ? {} : {daily: options.daily}),
		});
	}

	status(): UplinkStatus {
		return {tor: {...this.#tor}, onionUp: this.#onions.current !== undefined, onionSince: this.#onionSince};
	}

	/** Addresses a dialer may name in its handshake: the current one and those being retired. */
	localAddresses(): string[] {
		return this.#onions.localAddresses();
	}

	/** The virtual port of the onion service now (a contact's new address shares it). */
	get port(): number {
		return this.#onions.current?.port ?? 80;
	}

	/** Connects to tor (rejecting with its reason), then puts up the first onion service. */
	async start(torControl: Pick<TorLinkOptions, 'endpoint' | 'password' | 'discovered' | 'relocate'>, publishing: () => void): Promise<HostedOnion> {
		const control = await this.#newLink(torControl).start();
		this.#tor.connected = true;
		if (this.#stopped) {
			throw new Error('the engine was stopped while it was starting');
		}

		publishing();
		const onion = await this.#onions.open(control);
		this.#onionChanged();
		return onion;
	}

	/** A new onion address now; a no-op before start, while tor is away and once stopped. */
	async rotate(): Promise<void> {
		if (!this.#stopped) {
			await this.#onions.rotate();
		}
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		await this.#onions.stop();
		await this.#link?.stop();
		this.#tor.connected = false;
	}

	#newLink(torControl: Pick<TorLinkOptions, 'endpoint' | 'password' | 'discovered' | 'relocate'>): TorLink {
		const options = this.#options;
		this.#link = new TorLink({
			...torControl,
			scheduler: options.scheduler,
			log: options.log,
			...(options.reconnectDelayMs === undefined ? {} : {reconnectDelayMs: options.reconnectDelayMs}),
			onProgress: (progress, summary) => {
				this.#tor = {...this.#tor, progress, summary};
				options.emit({type: 'tor.bootstrap', progress, summary});
			},
			onLost: error => {
				this.#lost(error);
			},
			onRecovered: async (control, socks) => {
				if (socks) {
					options.onSocks(socks);
				}

				await this.#recovered(control);
			},
		});
		return this.#link;
	}

	#lost(error: Error | undefined): void {
		if (this.#stopped) {
			return;
		}

		this.#tor = {...this.#tor, progress: 0, connected: false};
		this.#onions.lost();
		this.#options.emit({type: 'error', scope: 'tor', message: `lost the connection to tor${error ? ` (${error.message})` : ''}; reconnecting`});
		this.#options.emit({type: 'onion.changed'});
		this.#options.onLifecycle('connecting-tor');
		this.#options.onLost();
	}

	async #recovered(control: TorControl): Promise<void> {
		this.#tor.connected = true;
		this.#options.onLifecycle('publishing');
		const onion = await this.#onions.open(control);
		if (this.#stopped) {
			return;
		}

		this.#onionChanged();
		this.#options.onOnion(onion, 'recovered');
		this.#options.onLifecycle('ready');
	}

	#onionChanged(): void {
		this.#onionSince = this.#options.clock.now();
		this.#options.emit({type: 'onion.changed'});
	}
}
