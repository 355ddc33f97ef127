// The Engine: the one EngineApi. It joins tor (tor/), the registry (registry/), the contacts as
// peers with their streams and sessions (node/) and the store into commands and events.
// Ownership: the engine opens and closes its own control connection, onion service, listener
// and streams, and whatever its `network` option found (openEngine: a tor of umbra's own, the
// DHT); a store, tor or registry the caller gave is the caller's, closed after stop(). Logs
// never hold message text.
import {randomBytes} from 'node:crypto';
import {parseKeyQuery, type Certificate} from '../keys/index.js';
import {defaultKeyservers, dialThroughTor, fetchCertificate as fetchFromKeyservers} from '../keys/keyserver.js';
import type {SocksEndpoint} from '../net/socks.js';
import type {ContactView, EngineApi, EngineStatus, OwnIdentityView, OwnPresence} from './api.js';
import {ContactBook} from './contact-book.js';
import {systemClock, systemScheduler, type Clock, type Scheduler} from './clock.js';
import type {EngineEvent, EngineListener, LifecycleState} from './events.js';
import {fetchKeyCopies, PeerTable, SessionHub, startKeyRefresh, Visibility, type CertificateUpdate, type KeyRefresh} from './node/index.js';
import type {EngineNetwork, EngineOptions} from './options.js';
import {Publisher, RegistryReader, storedWatermark} from './registry/index.js';
import {checkFrameBody, keysHandshakeCrypto, type Random} from './session/index.js';
import {refuseOwnKey, type Message, type Store} from './store/index.js';
import {TorUplink, type HostedOnion} from './tor/index.js';

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
	readonly #peers: PeerTable;
	readonly #contacts: ContactBook;
	readonly #visibility: Visibility;
	readonly #sessions: SessionHub;
	readonly #uplink: TorUplink;
	readonly #abort = new AbortController();
	#network: EngineNetwork | undefined;
	/** Tor's SOCKS port; moves when a tor of umbra's own is started again. */
	#socks: SocksEndpoint | undefined;
	#lastPublishedAt: number | undefined;
	#nodes = -1;
	#publisher: Publisher | undefined;
	#reader: RegistryReader | undefined;
	#presence: {state: OwnPresence; status: string};
	/** What the next start begins with (kept in the store); its state differs from #presence's during a --presence run. */
	#remembered: {state: OwnPresence; status: string};
	#lifecycle: LifecycleState | undefined;
	#starting: Promise<void> | undefined;
	#keyRefresh: KeyRefresh | undefined;
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
		const emit = (event: EngineEvent) => {
			this.#emit(event);
		};

		this.self = {fingerprint: identity.fingerprint, keyId: identity.keyId, userId: identity.userId};
		// Remembered, so a user who went invisible is not published for or dialed after a restart.
		this.#remembered = options.store.ownPresence() ?? {state: 'online', status: ''};
		const startState = options.invisible === true ? 'invisible' : options.presence ?? this.#remembered.state;
		this.#presence = {state: startState, status: this.#remembered.status};

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
			rotate: async () => this.#uplink.rotate(),
			invisible: startState === 'invisible',
		});
		this.#contacts = new ContactBook({
			store: this.#store,
			peers: this.#peers,
			visibility: this.#visibility,
			emit,
			...(options.contacts === undefined ? {} : {contacts: options.contacts}),
			...(options.only === undefined ? {} : {only: options.only}),
			clock: this.#clock,
			scheduler: this.#scheduler,
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
			emit,
			peers: this.#peers,
			visibility: this.#visibility,
			// Nobody has a session while the user is invisible; once visible again, they see online.
			presence: () => ({state: this.#presence.state === 'invisible' ? 'online' : this.#presence.state, status: this.#presence.status}),
			localOnions: () => this.#uplink.localAddresses(),
			onionPort: () => this.#uplink.port,
			stopping: () => this.#stopping,
		});
		this.#uplink = new TorUplink({
			clock: this.#clock,
			scheduler: this.#scheduler,
			random: this.#random,
			log: this.#log,
			emit,
			onConnection: socket => {
				this.#sessions.incoming(socket);
			},
			onLifecycle: state => {
				this.#setLifecycle(state);
			},
			onLost: () => {
				for (const stream of this.#sessions.streams()) {
					stream.bye();
				}
			},
			onOnion: (onion, cause) => {
				this.#newOnion(onion, cause);
			},
			onSocks: socks => {
				this.#socks = socks;
			},
			...(options.torReconnectDelayMs === undefined ? {} : {reconnectDelayMs: options.torReconnectDelayMs}),
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
			await this.#contacts.load();
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
			const onion = await this.#uplink.start(network.torControl, () => {
				this.#setLifecycle('publishing');
			});
			this.#throwIfStopping();
			this.#publish(network, onion);
			this.#keyRefresh = this.#options.only ? undefined : startKeyRefresh({hours: this.#options.keyRefreshHours ?? 0, keys: this.#contacts, refresh: async contact => this.refreshCertificate(contact), log: this.#log});
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
		this.#contacts.stop();
		this.#keyRefresh?.stop();
		this.#publisher?.stop();
		this.#peers.stopLookups();
		const streams = this.#sessions.streams();
		for (const stream of streams) {
			stream.bye();
		}

		await Promise.all(streams.map(async stream => stream.closed(3000)));
		await this.#uplink.stop();
		const network = this.#network;
		this.#network = undefined;
		await network?.release?.().catch(() => undefined);
	}

	status(): EngineStatus {
		return {
			lifecycle: this.#lifecycle,
			...this.#uplink.status(),
			dhtNodes: this.#network?.registry.nodeCount?.() ?? 0,
			...(this.#network?.registryView ? {registry: this.#network.registryView()} : {}),
			lastPublishedAt: this.#lastPublishedAt,
			presence: {...this.#presence},
		};
	}

	contacts(): ContactView[] {
		return this.#contacts.views();
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
		this.#contacts.known(contact, 'send: no such contact; add the contact first');
		this.#contacts.checkUsable(contact);
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
		// New text alone (the bot's --status at start, say) keeps the remembered state, which a
		// --presence for this run must not replace.
		const remembered = {state: state === this.#presence.state ? this.#remembered.state : state, status};
		this.#store.setOwnPresence(remembered);
		this.#remembered = remembered;
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

	async hide(contact: string): Promise<void> {
		await this.#contacts.setHidden(contact, true);
	}

	async show(contact: string): Promise<void> {
		await this.#contacts.setHidden(contact, false);
	}

	async addContact(certificate: Certificate, name: string): Promise<ContactView> {
		refuseOwnKey(certificate.fingerprint, this.self.fingerprint);
		return this.#contacts.add(certificate, name);
	}

	async removeContact(contact: string): Promise<void> {
		await this.#contacts.remove(contact);
	}

	async renameContact(contact: string, name: string): Promise<void> {
		this.#contacts.rename(contact, name);
	}

	async markRead(contact: string): Promise<void> {
		this.#store.markRead(this.#contacts.known(contact));
	}

	setTyping(contact: string, typing: boolean): void {
		this.#peers.get(contact)?.session?.send({kind: 'typing', on: typing});
	}

	async mergeCertificates(input: string | Uint8Array): Promise<CertificateUpdate[]> {
		return this.#contacts.merge(input);
	}

	async refreshCertificate(contact: string): Promise<CertificateUpdate> {
		const socks = this.#network ? this.#socks : undefined;
		if (!socks) {
			throw new Error('Refreshing a key needs Tor, which is not connected yet; try again once umbra is online.');
		}

		const keys = await fetchKeyCopies({fingerprint: this.#contacts.known(contact), keyservers: [...(this.#options.keyservers?.() ?? defaultKeyservers)], dial: dialThroughTor(socks)});
		const [update] = await this.#contacts.merge(keys);
		return update!;
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

	#throwIfStopping(): void {
		if (this.#stopping) {
			throw new Error('the engine was stopped while it was starting');
		}
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
				if (event.type === 'published') {
					this.#lastPublishedAt = this.#clock.now();
				}

				this.#reportNodes();
				this.#emit({type: 'registry.published', contact: event.contact, ok: event.type === 'published'});
			},
		});
		this.#visibility.prepare(this.#publisher);
		this.#publisher.start();
		this.#reader = new RegistryReader({identity, registry: network.registry, clock: this.#clock, store: storedWatermark(store, 'lastRecordIssuedAt', this.#log)});
	}

	/** Published; contacts connected are told (onion-change), or, after tor came back, redialed. */
	#newOnion(onion: HostedOnion, cause: 'rotated' | 'recovered'): void {
		this.#publisher?.setOnion({address: onion.serviceId, port: onion.port});
		if (cause === 'recovered') {
			this.#peers.redialAll();
			return;
		}

		for (const peer of this.#peers.values()) {
			if (!peer.hidden && !this.#visibility.invisible) {
				peer.session?.send({kind: 'onion-change', onion: onion.address});
			}
		}
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
		// A start still under way when stop() came does not move the lifecycle back.
		const late = this.#stopping && state !== 'stopping' && state !== 'stopped';
		if (state !== this.#lifecycle && !late) {
			this.#lifecycle = state;
			this.#emit({type: 'lifecycle', state});
		}
	}
}
