// The Engine: joins Tor control, the onion service, the registry and the session core
// into commands and events. Ownership: the engine opens and closes its own
// control connection, onion service, listener and streams; the store and the registry are the
// caller's, started before start() and closed after stop(). Logs never hold an onion address,
// a fingerprint or message text.
import {randomBytes} from 'node:crypto';
import {readCertificates, type Certificate} from '../keys/index.js';
import type {SocksEndpoint} from '../net/socks.js';
import type {TorControl} from '../net/tor-control.js';
import {PeerTable, SessionHub, Visibility, type EngineOptions, type EngineSnapshot} from './node/index.js';
import {OnionRotation, TorLink, type HostedOnion} from './tor/index.js';
import type {EngineEvent, EngineListener, LifecycleState} from './events.js';
import {systemClock, systemScheduler, type Clock, type Scheduler} from './clock.js';
import {Publisher, RegistryReader, storedWatermark} from './registry/index.js';
import {checkFrameBody, keysHandshakeCrypto, type HandshakeCrypto, type PresenceState, type Random} from './session/index.js';
import type {Message} from './store/index.js';

export type {EngineOptions, EngineSnapshot, Peer} from './node/index.js';

const defaultRandom: Random = length => new Uint8Array(randomBytes(length));

export class Engine {
	readonly #options: EngineOptions;
	readonly #clock: Clock;
	readonly #scheduler: Scheduler;
	readonly #random: Random;
	readonly #log: (line: string) => void;
	readonly #listeners = new Set<EngineListener>();
	readonly #peers: PeerTable;
	readonly #visibility: Visibility;
	readonly #sessions: SessionHub;
	readonly #abort = new AbortController();
	#crypto: HandshakeCrypto<Certificate>;
	/** Tor's SOCKS port; moves when a tor of umbra's own is started again. */
	#socks: SocksEndpoint;
	readonly #tor: TorLink;
	readonly #onions: OnionRotation;
	#snapshot: EngineSnapshot = {torProgress: 0, torSummary: '', torConnected: false, onionUp: false, onionSince: undefined, lastPublishedAt: undefined, invisible: false};
	#publisher: Publisher | undefined;
	#reader: RegistryReader | undefined;
	#presence: {state: PresenceState; status: string} = {state: 'online', status: ''};
	#lifecycle: LifecycleState | undefined;
	#stopping = false;

	constructor(options: EngineOptions) {
		this.#options = options;
		this.#clock = options.clock ?? systemClock;
		this.#scheduler = options.scheduler ?? systemScheduler;
		this.#random = options.random ?? defaultRandom;
		this.#log = options.log ?? (() => undefined);
		this.#crypto = keysHandshakeCrypto(options.identity);
		this.#socks = options.socks;
		this.#peers = new PeerTable({
			scheduler: this.#scheduler,
			random: this.#random,
			log: this.#log,
			backoffMs: {first: options.lookupBackoffMs?.first ?? 1000, max: options.lookupBackoffMs?.max ?? 30_000},
			mayDial: () => !this.#visibility.invisible && !this.#stopping,
			reader: () => this.#reader,
			socks: () => this.#socks,
			signal: this.#abort.signal,
			handshake: async (socket, peer, onion, signal) => this.#sessions.dial(socket, peer, onion, signal),
		});
		this.#visibility = new Visibility({
			peers: this.#peers,
			publisher: () => this.#publisher,
			rotate: async () => this.rotate(),
			...(options.invisible === undefined ? {} : {invisible: options.invisible}),
		});
		this.#sessions = new SessionHub({
			ownFingerprint: options.identity.fingerprint,
			crypto: this.#crypto,
			random: this.#random,
			clock: this.#clock,
			scheduler: this.#scheduler,
			...(options.tickMs === undefined ? {} : {tickMs: options.tickMs}),
			...(options.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: options.probeTimeoutMs}),
			store: options.store,
			log: this.#log,
			emit: event => {
				this.#emit(event);
			},
			peers: this.#peers,
			visibility: this.#visibility,
			presence: () => this.#presence,
			localOnions: () => this.#onions.localAddresses(),
			onionPort: () => this.#onions.current?.port ?? 80,
			stopping: () => this.#stopping,
		});
		this.#tor = new TorLink({
			...options.torControl,
			scheduler: this.#scheduler,
			log: this.#log,
			...(options.torReconnectDelayMs === undefined ? {} : {reconnectDelayMs: options.torReconnectDelayMs}),
			onProgress: (progress, summary) => {
				this.#snapshot.torProgress = progress;
				this.#snapshot.torSummary = summary;
				this.#emit({type: 'tor.bootstrap', progress, summary});
			},
			onLost: error => {
				this.#torLost(error);
			},
			onRecovered: async (control, socks) => {
				this.#socks = socks ?? this.#socks;
				await this.#torRecovered(control);
			},
		});
		this.#onions = new OnionRotation({
			scheduler: this.#scheduler,
			random: this.#random,
			log: this.#log,
			onConnection: socket => {
				this.#sessions.incoming(socket);
			},
			onRotated: onion => {
				this.#rotated(onion);
			},
			onError: message => {
				this.#emit({type: 'error', scope: 'onion', message});
			},
			...(options.rotationGraceMs === undefined ? {} : {graceMs: options.rotationGraceMs}),
			...(options.dailyRotation === undefined ? {} : {daily: options.dailyRotation}),
		});
	}

	get lifecycle(): LifecycleState | undefined {
		return this.#lifecycle;
	}

	subscribe(listener: EngineListener): () => void {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	/** Fingerprints of contacts with a session now. */
	onlineContacts(): string[] {
		return this.#peers.online();
	}

	async start(): Promise<void> {
		if (this.#lifecycle !== undefined) {
			throw new Error('Engine.start: already started; make a new Engine');
		}

		this.#setLifecycle('starting');
		try {
			await this.#loadContacts();
			this.#setLifecycle('connecting-tor');
			const control = await this.#tor.start();
			this.#snapshot.torConnected = true;
			this.#setLifecycle('publishing');
			const onion = await this.#onions.open(control);
			if (this.#stopping) {
				throw new Error('the engine was stopped while it was starting');
			}

			this.#onionChanged();
			this.#publisher = new Publisher({
				identity: this.#options.identity,
				registry: this.#options.registry,
				contacts: this.#visibility.everyone(),
				onion: {address: onion.serviceId, port: onion.port},
				clock: this.#clock,
				scheduler: this.#scheduler,
				writeTimes: storedWatermark(this.#options.store, 'lastSeq', this.#log),
				...(this.#options.publishWindowMs === undefined ? {} : {promptWindowMs: this.#options.publishWindowMs}),
				onEvent: event => {
					if (event.kind === 'record') {
						if (event.type === 'published') {
							this.#snapshot.lastPublishedAt = this.#clock.now();
						}

						this.#emit({type: 'registry.published', contact: event.contact, ok: event.type === 'published'});
					}
				},
			});
			this.#visibility.prepare(this.#publisher);
			this.#publisher.start();
			this.#reader = new RegistryReader({identity: this.#options.identity, registry: this.#options.registry, clock: this.#clock, store: storedWatermark(this.#options.store, 'lastRecordIssuedAt', this.#log)});
			for (const certificate of this.#visibility.visible()) {
				this.#peers.lookup(certificate.fingerprint, 0);
			}

			this.#setLifecycle('ready');
		} catch (error) {
			if (!this.#stopping) {
				this.#emit({type: 'error', scope: 'tor', message: (error as Error).message});
			}

			await this.stop();
			throw error;
		}
	}

	/** Stores the message in the outbox (queued), then sends it if the contact is connected. */
	async send(contact: string, text: string): Promise<Message> {
		const peer = this.#peers.get(contact);
		if (!peer) {
			throw new Error('send: no such contact; add the contact first');
		}

		const id = Buffer.from(this.#random(16)).toString('hex');
		const createdAt = this.#clock.now();
		const problem = checkFrameBody({kind: 'message', id, sentAt: createdAt, text});
		if (problem) {
			throw new RangeError(`send: the message cannot be sent: ${problem}`);
		}

		const message = this.#options.store.appendOutgoing({id, contact, body: text, createdAt});
		this.#emit({type: 'message.state', id, contact, state: 'queued'});
		if (peer.session && !peer.resendPending) {
			this.#sessions.sendStored(peer.session, message);
		}

		return message;
	}

	async setPresence(state: PresenceState, status = ''): Promise<void> {
		const problem = checkFrameBody({kind: 'presence', state, status});
		if (problem) {
			throw new RangeError(`setPresence: ${problem}`);
		}

		this.#presence = {state, status};
		for (const peer of this.#peers.values()) {
			peer.session?.send({kind: 'presence', state, status});
		}
	}

	/** Says bye to every session, removes the onion service, closes the control connection. */
	async stop(): Promise<void> {
		if (this.#stopping) {
			return;
		}

		this.#stopping = true;
		this.#setLifecycle('stopping');
		this.#abort.abort(new Error('the engine is stopping'));
		this.#publisher?.stop();
		this.#peers.stopLookups();
		const streams = this.#sessions.streams();
		for (const stream of streams) {
			stream.bye();
		}

		await Promise.all(streams.map(async stream => stream.closed(3000)));
		await this.#onions.stop();
		this.#snapshot.onionUp = false;
		await this.#tor.stop();
		this.#snapshot.torConnected = false;
		this.#setLifecycle('stopped');
	}

	/** What the status views show; a copy. */
	snapshot(): EngineSnapshot {
		return {...this.#snapshot, invisible: this.#visibility.invisible};
	}

	/** A contact added while running: published for and looked up at once (unless hidden). */
	addContact(certificate: Certificate, hidden = false): void {
		this.#visibility.add(certificate, hidden);
	}

	/** A contact's refreshed certificate replaces the one in use (node/contact-keys.ts). */
	updateContact(certificate: Certificate): void {
		this.#visibility.replace(certificate);
	}

	/** Forgets a contact; the onion rotates, so the address it knew leads nowhere (engine-visibility.ts). */
	async removeContact(fingerprint: string): Promise<void> {
		await this.#visibility.remove(fingerprint);
	}

	/** Appear offline to one contact, or show again (engine-visibility.ts). */
	async setHidden(fingerprint: string, hidden: boolean): Promise<void> {
		await this.#visibility.setHidden(fingerprint, hidden);
	}

	/** Invisible: hidden from every contact at once; visible again: shown to those not hidden. */
	async setInvisible(invisible: boolean): Promise<void> {
		await this.#visibility.setInvisible(invisible);
	}

	/** Tells a connected contact the user is typing (or stopped); nothing when not connected. */
	setTyping(contact: string, typing: boolean): void {
		this.#peers.get(contact)?.session?.send({kind: 'typing', on: typing});
	}

	/**
	 * A new onion address: a new service, published, an onion-change frame to every connected
	 * visible contact so they redial it, then the old service removed after a grace period
	 * (rotation.ts). Concurrent calls share one rotation.
	 */
	async rotate(): Promise<void> {
		if (!this.#stopping) {
			await this.#onions.rotate();
		}
	}

	#rotated(onion: HostedOnion): void {
		this.#onionChanged();
		this.#publisher?.setOnion({address: onion.serviceId, port: onion.port});
		for (const peer of this.#peers.values()) {
			if (!peer.hidden && !this.#visibility.invisible) {
				peer.session?.send({kind: 'onion-change', onion: onion.address});
			}
		}
	}

	#onionChanged(): void {
		this.#snapshot.onionUp = this.#onions.current !== undefined;
		this.#snapshot.onionSince = this.#clock.now();
		this.#emit({type: 'onion.changed'});
	}

	/** Tor went away: every stream and the onion service with it; the link reconnects. */
	#torLost(error: Error | undefined): void {
		if (this.#stopping) {
			return;
		}

		this.#snapshot.torConnected = false;
		this.#snapshot.torProgress = 0;
		this.#onions.lost();
		this.#snapshot.onionUp = false;
		this.#emit({type: 'error', scope: 'tor', message: `lost the connection to tor${error ? ` (${error.message})` : ''}; reconnecting`});
		this.#emit({type: 'onion.changed'});
		this.#setLifecycle('connecting-tor');
		for (const stream of this.#sessions.streams()) {
			stream.bye();
		}
	}

	/** Tor is back: a new onion service, published, and every visible contact redialed now. */
	async #torRecovered(control: TorControl): Promise<void> {
		this.#snapshot.torConnected = true;
		this.#setLifecycle('publishing');
		const onion = await this.#onions.open(control);
		if (this.#stopping) {
			return;
		}

		this.#onionChanged();
		this.#publisher?.setOnion({address: onion.serviceId, port: onion.port});
		this.#peers.redialAll();
		this.#setLifecycle('ready');
	}

	#emit(event: EngineEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch (error) {
				this.#log(`an event listener threw: ${(error as Error).message}`);
			}
		}
	}

	#setLifecycle(state: LifecycleState): void {
		this.#lifecycle = state;
		this.#emit({type: 'lifecycle', state});
	}

	async #loadContacts(): Promise<void> {
		const stored = this.#options.store.listContacts();
		const hidden = new Map(stored.map(contact => [contact.fingerprint, contact.hidden]));
		let certificates = this.#options.contacts;
		if (!certificates) {
			const read = await Promise.all(stored.map(async contact => readCertificates(contact.certificate)));
			certificates = read.flatMap(result => result.certificates);
		}

		for (const certificate of certificates) {
			this.#peers.add(certificate, hidden.get(certificate.fingerprint) ?? false);
		}
	}
}
