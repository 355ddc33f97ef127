// The Engine: the one EngineApi. It joins tor (tor/), the registry (registry/), the contacts as
// peers with their streams and sessions (node/) and the store into commands and events.
// Ownership: the engine opens and closes its own control connection, onion service, listener
// and streams, and whatever its `network` option found (openEngine: a tor of umbra's own, the
// DHT); a store, tor or registry the caller gave is the caller's, closed after stop(). Logs
// never hold message text.
import {randomBytes} from 'node:crypto';
import {readCertificates, parseKeyQuery, type Certificate} from '../keys/index.js';
import {defaultKeyservers, dialThroughTor, fetchCertificate as fetchFromKeyservers} from '../keys/keyserver.js';
import type {SocksEndpoint} from '../net/socks.js';
import type {TorControl} from '../net/tor-control.js';
import type {ContactView, EngineApi, EngineStatus, OwnIdentityView, OwnPresence} from './api.js';
import {systemClock, systemScheduler, type Clock, type Scheduler} from './clock.js';
import type {EngineEvent, EngineListener, LifecycleState} from './events.js';
import {PeerTable, SessionHub, Visibility} from './node/index.js';
import type {EngineNetwork, EngineOptions} from './options.js';
import {Publisher, RegistryReader, storedWatermark} from './registry/index.js';
import {checkFrameBody, keysHandshakeCrypto, type Random} from './session/index.js';
import type {Message, Store} from './store/index.js';
import {OnionRotation, TorLink, type HostedOnion} from './tor/index.js';

export type {EngineNetwork, EngineOptions, EngineSettings} from './options.js';

const defaultRandom: Random = length => new Uint8Array(randomBytes(length));

export class Engine implements EngineApi {
	readonly self: OwnIdentityView;
	readonly #options: EngineOptions;
	readonly #store: Store;
	readonly #clock: Clock;
	readonly #scheduler: Scheduler;
	readonly #random: Random;
	readonly #log: (line: string) => void;
	readonly #listeners = new Set<EngineListener>();
	/** Every contact's certificate (for the views); the peer table holds those the engine runs for. */
	readonly #certificates = new Map<string, Certificate>();
	readonly #peers: PeerTable;
	readonly #visibility: Visibility;
	readonly #sessions: SessionHub;
	readonly #onions: OnionRotation;
	readonly #abort = new AbortController();
	#network: EngineNetwork | undefined;
	/** Tor's SOCKS port; moves when a tor of umbra's own is started again. */
	#socks: SocksEndpoint | undefined;
	#tor: TorLink | undefined;
	#torState = {progress: 0, summary: '', connected: false};
	#onionSince: number | undefined;
	#lastPublishedAt: number | undefined;
	#nodes = -1;
	#publisher: Publisher | undefined;
	#reader: RegistryReader | undefined;
	#presence: {state: OwnPresence; status: string} = {state: 'online', status: ''};
	#lifecycle: LifecycleState | undefined;
	#contactsLoaded = false;
	#starting: Promise<void> | undefined;
	#stopped: Promise<void> | undefined;
	#stopping = false;

	constructor(options: EngineOptions) {
		this.#options = options;
		this.#store = options.store;
		this.#clock = options.clock ?? systemClock;
		this.#scheduler = options.scheduler ?? systemScheduler;
		this.#random = options.random ?? defaultRandom;
		this.#log = options.log ?? (() => undefined);
		const {identity} = options;
		this.self = {fingerprint: identity.fingerprint, keyId: identity.keyId, userId: identity.userId};
		for (const certificate of options.contacts ?? []) {
			this.#certificates.set(certificate.fingerprint, certificate);
		}

		if (options.invisible) {
			this.#presence = {state: 'invisible', status: ''};
		}

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
			rotate: async () => this.#rotate(),
			...(options.invisible === undefined ? {} : {invisible: options.invisible}),
		});
		this.#sessions = new SessionHub({
			ownFingerprint: identity.fingerprint,
			crypto: keysHandshakeCrypto(identity),
			random: this.#random,
			clock: this.#clock,
			scheduler: this.#scheduler,
			...(options.tickMs === undefined ? {} : {tickMs: options.tickMs}),
			...(options.probeTimeoutMs === undefined ? {} : {probeTimeoutMs: options.probeTimeoutMs}),
			store: this.#store,
			log: this.#log,
			emit: event => {
				this.#emit(event);
			},
			peers: this.#peers,
			visibility: this.#visibility,
			// Nobody has a session while the user is invisible; once visible again, they see online.
			presence: () => ({state: this.#presence.state === 'invisible' ? 'online' : this.#presence.state, status: this.#presence.status}),
			localOnions: () => this.#onions.localAddresses(),
			onionPort: () => this.#onions.current?.port ?? 80,
			stopping: () => this.#stopping,
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

	subscribe(listener: EngineListener): () => void {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	/** Finds tor and the registry (unless given), puts up the onion service, publishes, dials. Once. */
	async start(): Promise<void> {
		this.#starting ??= this.#start();
		return this.#starting;
	}

	async #start(): Promise<void> {
		if (this.#stopping) {
			throw new Error('Engine.start: the engine was stopped; open a new one');
		}

		this.#setLifecycle('starting');
		try {
			await this.#loadContacts();
			this.#setLifecycle('connecting-tor');
			const network = 'network' in this.#options ? await this.#options.network() : this.#options;
			this.#network = network;
			this.#socks = network.socks;
			this.#throwIfStopping();
			// The registry joins its network while tor uploads the descriptor; the first publish and
			// lookups wait for it, and a registry that cannot start fails the start below.
			void network.registryStarted?.then(() => {
				this.#reportNodes();
			}, () => undefined);
			const control = await this.#link(network).start();
			this.#torState.connected = true;
			this.#throwIfStopping();
			this.#setLifecycle('publishing');
			const onion = await this.#onions.open(control);
			this.#throwIfStopping();
			this.#onionChanged();
			this.#publish(network, onion);
			for (const certificate of this.#visibility.visible()) {
				this.#peers.lookup(certificate.fingerprint, 0);
			}

			this.#setLifecycle('ready');
			await network.registryStarted;
		} catch (error) {
			// A stop() under way releases what was made once this start has settled.
			if (!this.#stopping) {
				this.#emit({type: 'error', scope: 'tor', message: (error as Error).message});
				this.#stopped = this.#stop(undefined);
				await this.#stopped;
			}

			throw error;
		}
	}

	/** Says bye to every contact, removes the onion service, releases what start() found. */
	async stop(): Promise<void> {
		this.#stopped ??= this.#stop(this.#starting);
		return this.#stopped;
	}

	async #stop(starting: Promise<void> | undefined): Promise<void> {
		this.#stopping = true;
		this.#setLifecycle('stopping');
		this.#abort.abort(new Error('the engine is stopping'));
		// Stopping while start() still runs (tor bootstrapping, the first descriptor upload):
		// releasing what exists makes start() fail fast; then whatever it made meanwhile goes too.
		await this.#release();
		await starting?.catch(() => undefined);
		await this.#release();
		this.#setLifecycle('stopped');
	}

	async #release(): Promise<void> {
		this.#publisher?.stop();
		this.#peers.stopLookups();
		const streams = this.#sessions.streams();
		for (const stream of streams) {
			stream.bye();
		}

		await Promise.all(streams.map(async stream => stream.closed(3000)));
		await this.#onions.stop();
		await this.#tor?.stop();
		this.#torState.connected = false;
		const network = this.#network;
		this.#network = undefined;
		await network?.release?.().catch(() => undefined);
	}

	status(): EngineStatus {
		return {
			lifecycle: this.#lifecycle,
			tor: {...this.#torState},
			onionUp: this.#onions.current !== undefined,
			onionSince: this.#onionSince,
			dhtNodes: this.#network?.registry.nodeCount?.() ?? 0,
			lastPublishedAt: this.#lastPublishedAt,
			presence: {...this.#presence},
		};
	}

	contacts(): ContactView[] {
		const unread = this.#store.unreadCounts();
		return this.#store.listContacts().map(contact => {
			const peer = this.#peers.get(contact.fingerprint);
			const heard = peer?.session ? peer.heard : undefined;
			return {
				fingerprint: contact.fingerprint,
				name: contact.name,
				keyId: contact.fingerprint.slice(-16),
				userIds: this.#certificates.get(contact.fingerprint)?.userIds ?? [],
				hidden: contact.hidden,
				presence: heard?.presence ?? 'offline',
				status: heard?.status ?? '',
				unread: unread.get(contact.fingerprint) ?? 0,
				typing: heard?.typing ?? false,
			};
		});
	}

	history(contact: string, options: {before?: number; limit: number}): Message[] {
		return this.#store.listConversation(contact, options);
	}

	search(text: string, options?: {contact?: string; limit?: number}): Message[] {
		return this.#store.search(text, options);
	}

	/**
	 * Checked, then stored in the outbox (queued), then handed to the contact's session if there
	 * is one; the same whether the engine runs or not. Marked sent once its frame is written.
	 */
	async send(contact: string, text: string): Promise<Message> {
		this.#known(contact, 'send: no such contact; add the contact first');
		const id = Buffer.from(this.#random(16)).toString('hex');
		const createdAt = this.#clock.now();
		const problem = checkFrameBody({kind: 'message', id, sentAt: createdAt, text});
		if (problem) {
			throw new RangeError(`send: the message cannot be sent: ${problem}`);
		}

		const message = this.#store.appendOutgoing({id, contact, body: text, createdAt});
		this.#emit({type: 'message.state', id, contact, state: 'queued'});
		const session = this.#peers.writable(contact);
		if (session) {
			this.#sessions.sendStored(session, message);
		}

		return message;
	}

	async setPresence(state: OwnPresence, status = this.#presence.status): Promise<void> {
		const problem = checkFrameBody({kind: 'presence', state: state === 'invisible' ? 'online' : state, status});
		if (problem) {
			throw new RangeError(`setPresence: ${problem}`);
		}

		const wasInvisible = this.#presence.state === 'invisible';
		this.#presence = {state, status};
		if (state === 'invisible') {
			await this.#visibility.setInvisible(true);
			return;
		}

		for (const peer of this.#peers.values()) {
			peer.session?.send({kind: 'presence', state, status});
		}

		if (wasInvisible) {
			await this.#visibility.setInvisible(false);
		}
	}

	/** Appear offline to one contact: its session cut, its slots decoys, the onion rotated (node/visibility.ts). */
	async hide(contact: string): Promise<void> {
		await this.#setHidden(contact, true);
	}

	async show(contact: string): Promise<void> {
		await this.#setHidden(contact, false);
	}

	async addContact(certificate: Certificate, name: string): Promise<ContactView> {
		this.#store.addContact({fingerprint: certificate.fingerprint, name, certificate: certificate.key.write()});
		this.#certificates.set(certificate.fingerprint, certificate);
		if (this.#contactsLoaded) {
			// Published for and looked up at once.
			this.#visibility.add(certificate, false);
		}

		this.#emit({type: 'contacts.changed'});
		const view = this.contacts().find(contact => contact.fingerprint === certificate.fingerprint);
		if (!view) {
			throw new Error('addContact: the contact was not stored');
		}

		return view;
	}

	/** Forgets a contact and its history; the onion rotates, so the address it knew leads nowhere. */
	async removeContact(contact: string): Promise<void> {
		this.#store.removeContact(this.#known(contact));
		this.#certificates.delete(contact);
		this.#emit({type: 'contacts.changed'});
		await this.#visibility.remove(contact);
	}

	async renameContact(contact: string, name: string): Promise<void> {
		this.#store.renameContact(this.#known(contact), name);
		this.#emit({type: 'contacts.changed'});
	}

	async markRead(contact: string): Promise<void> {
		this.#store.markRead(this.#known(contact));
	}

	setTyping(contact: string, typing: boolean): void {
		this.#peers.get(contact)?.session?.send({kind: 'typing', on: typing});
	}

	async fetchCertificate(query: string): Promise<Certificate> {
		const socks = this.#network ? this.#socks : undefined;
		if (!socks) {
			throw new Error('Looking up keys needs Tor, which is not connected yet; try again once umbra is online.');
		}

		const {certificate} = await fetchFromKeyservers({
			query: parseKeyQuery(query),
			keyservers: [...(this.#options.keyservers?.() ?? defaultKeyservers)],
			dial: dialThroughTor(socks),
		});
		return certificate;
	}

	async #setHidden(contact: string, hidden: boolean): Promise<void> {
		this.#store.setHidden(this.#known(contact), hidden);
		this.#emit({type: 'contacts.changed'});
		await this.#visibility.setHidden(contact, hidden);
	}

	#known(contact: string, message = 'There is no such contact.'): string {
		if (!this.#store.getContact(contact)) {
			throw new Error(message);
		}

		return contact;
	}

	#throwIfStopping(): void {
		if (this.#stopping) {
			throw new Error('the engine was stopped while it was starting');
		}
	}

	#link(network: EngineNetwork): TorLink {
		this.#tor = new TorLink({
			...network.torControl,
			scheduler: this.#scheduler,
			log: this.#log,
			...(this.#options.torReconnectDelayMs === undefined ? {} : {reconnectDelayMs: this.#options.torReconnectDelayMs}),
			onProgress: (progress, summary) => {
				this.#torState = {...this.#torState, progress, summary};
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
		return this.#tor;
	}

	#publish(network: EngineNetwork, onion: HostedOnion): void {
		const {identity, store} = this.#options;
		this.#publisher = new Publisher({
			identity,
			registry: network.registry,
			contacts: this.#visibility.everyone(),
			onion: {address: onion.serviceId, port: onion.port},
			clock: this.#clock,
			scheduler: this.#scheduler,
			writeTimes: storedWatermark(store, 'lastSeq', this.#log),
			...(this.#options.publishWindowMs === undefined ? {} : {promptWindowMs: this.#options.publishWindowMs}),
			onEvent: event => {
				if (event.kind === 'record') {
					if (event.type === 'published') {
						this.#lastPublishedAt = this.#clock.now();
					}

					this.#reportNodes();
					this.#emit({type: 'registry.published', contact: event.contact, ok: event.type === 'published'});
				}
			},
		});
		this.#visibility.prepare(this.#publisher);
		this.#publisher.start();
		this.#reader = new RegistryReader({identity, registry: network.registry, clock: this.#clock, store: storedWatermark(store, 'lastRecordIssuedAt', this.#log)});
	}

	/** A new onion address now (rotation.ts); a no-op before start, while tor is away and when stopping. */
	async #rotate(): Promise<void> {
		if (!this.#stopping) {
			await this.#onions.rotate();
		}
	}

	/** Published, and an onion-change frame to every connected visible contact so they redial it. */
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
		this.#onionSince = this.#clock.now();
		this.#emit({type: 'onion.changed'});
	}

	/** Tor went away: every stream and the onion service with it; the link reconnects. */
	#torLost(error: Error | undefined): void {
		if (this.#stopping) {
			return;
		}

		this.#torState = {progress: 0, summary: this.#torState.summary, connected: false};
		this.#onions.lost();
		this.#emit({type: 'error', scope: 'tor', message: `lost the connection to tor${error ? ` (${error.message})` : ''}; reconnecting`});
		this.#emit({type: 'onion.changed'});
		this.#setLifecycle('connecting-tor');
		for (const stream of this.#sessions.streams()) {
			stream.bye();
		}
	}

	/** Tor is back: a new onion service, published, and every visible contact redialed now. */
	async #torRecovered(control: TorControl): Promise<void> {
		this.#torState.connected = true;
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

	#reportNodes(): void {
		const nodes = this.#network?.registry.nodeCount?.() ?? 0;
		if (nodes !== this.#nodes && !this.#stopping) {
			this.#nodes = nodes;
			this.#emit({type: 'registry.nodes', nodes});
		}
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
		if (state !== this.#lifecycle) {
			this.#lifecycle = state;
			this.#emit({type: 'lifecycle', state});
		}
	}

	/** The peers the engine runs for: every contact, or those named by `only`; hidden ones stay hidden. */
	async #loadContacts(): Promise<void> {
		const stored = this.#store.listContacts();
		if (!this.#options.contacts) {
			const read = await Promise.all(stored.map(async contact => readCertificates(contact.certificate).catch(() => ({certificates: [] as Certificate[]}))));
			for (const certificate of read.flatMap(result => result.certificates)) {
				this.#certificates.set(certificate.fingerprint, certificate);
			}
		}

		const hidden = new Map(stored.map(contact => [contact.fingerprint, contact.hidden]));
		const only = this.#options.only === undefined ? undefined : new Set(this.#options.only);
		for (const certificate of this.#certificates.values()) {
			if (hidden.has(certificate.fingerprint) && (!only || only.has(certificate.fingerprint))) {
				this.#peers.add(certificate, hidden.get(certificate.fingerprint) ?? false);
			}
		}

		this.#contactsLoaded = true;
	}
}
