// openEngine: the EngineApi the TUI, the bot and the one-shot commands use. It owns what the
// Engine leaves to its caller: finding or starting tor (tor-access.ts), the DHT registry, the
// contacts' certificates, and the views (contacts with presence and unread counts, status).
// Nothing here logs an onion address, a fingerprint or message text unless debug is on.
import {randomBytes} from 'node:crypto';
import {readCertificates, parseKeyQuery, type Certificate} from '../keys/index.js';
import {dialThroughTor, fetchCertificate as fetchFromKeyservers} from '../keys/keyserver.js';
import {DhtRegistry} from '../net/dht-registry.js';
import type {ContactPresence, ContactView, EngineApi, EngineStatus, OwnIdentityView, OwnPresence} from './api.js';
import {Engine} from './engine.js';
import type {EngineEvent, EngineListener} from './events.js';
import type {Profile} from './profile/index.js';
import type {Message} from './store/index.js';
import {afterStart} from './registry/index.js';
import {accessTor, type TorAccess} from './tor/index.js';

export type OpenEngineOptions = {
	profile: Profile;
	/** 'PORT', 'HOST:PORT' or a Unix socket path; undefined: 9051, then 9151, else a tor of umbra's own. */
	torControl?: string;
	torControlPassword?: string;
	/** 'PORT' or 'HOST:PORT'; undefined: the one tor reports. */
	torSocks?: string;
	/** 'host:port' DHT nodes to join through; undefined: the public routers. */
	dhtBootstrap?: string[];
	/** Come online towards these fingerprints only (umbra send): publish for and dial no one else. */
	only?: string[];
	/** The state to start in, for this run only; default: the one last set (kept in the store), else online. */
	presence?: OwnPresence;
	/** Debug lines (may hold onion addresses and fingerprints: only when the user asked). */
	debug?: (line: string) => void;
	/** Test knobs: where a system tor is looked for; torrc lines for a tor of umbra's own. */
	systemTorPorts?: readonly number[];
	ownTorLines?: readonly string[];
	fileOwner?: (path: string) => number | undefined;
	publishWindowMs?: number;
	lookupBackoffMs?: {first: number; max: number};
	rotationGraceMs?: number;
};

type Seen = {presence: ContactPresence; status: string; typing: boolean};

/** A not-yet-started engine on the profile; start() finds tor and joins the DHT. */
export async function openEngine(options: OpenEngineOptions): Promise<EngineApi> {
	const stored = options.profile.store.listContacts();
	const read = await Promise.all(stored.map(async contact => readCertificates(contact.certificate).catch(() => ({certificates: [] as Certificate[]}))));
	return new EngineService(options, read.flatMap(result => result.certificates));
}

class EngineService implements EngineApi {
	readonly self: OwnIdentityView;
	readonly #options: OpenEngineOptions;
	readonly #listeners = new Set<EngineListener>();
	readonly #seen = new Map<string, Seen>();
	readonly #certificates = new Map<string, Certificate>();
	#nodes = -1;
	#engine: Engine | undefined;
	#registry: DhtRegistry | undefined;
	#tor: TorAccess | undefined;
	#own: {state: OwnPresence; status: string};
	/** What the next start begins with; its state differs from #own's during a --presence run. */
	#remembered: {state: OwnPresence; status: string};
	#starting: Promise<void> | undefined;
	#stopped = false;
	#lifecycle: EngineStatus['lifecycle'];

	constructor(options: OpenEngineOptions, certificates: Certificate[]) {
		this.#options = options;
		for (const certificate of certificates) {
			this.#certificates.set(certificate.fingerprint, certificate);
		}

		// Remembered, so a user who went invisible is not published for or dialed after a restart.
		this.#remembered = options.profile.store.ownPresence() ?? {state: 'online', status: ''};
		this.#own = {...this.#remembered, state: options.presence ?? this.#remembered.state};
		const {identity} = options.profile;
		this.self = {fingerprint: identity.fingerprint, keyId: identity.keyId, userId: identity.userId};
	}

	get #store() {
		return this.#options.profile.store;
	}

	async start(): Promise<void> {
		this.#starting ??= this.#start();
		return this.#starting;
	}

	async #start(): Promise<void> {
		const {profile, debug} = this.#options;
		this.#setLifecycle('starting');
		this.#setLifecycle('connecting-tor');
		try {
			this.#tor = await accessTor({
				dataDir: profile.dataDir,
				...(this.#options.torControl === undefined ? {} : {torControl: this.#options.torControl}),
				...(this.#options.torControlPassword === undefined ? {} : {torControlPassword: this.#options.torControlPassword}),
				...(this.#options.torSocks === undefined ? {} : {torSocks: this.#options.torSocks}),
				...(debug ? {log: debug} : {}),
				...(this.#options.systemTorPorts === undefined ? {} : {systemPorts: this.#options.systemTorPorts}),
				...(this.#options.ownTorLines === undefined ? {} : {ownTorLines: this.#options.ownTorLines}),
				...(this.#options.fileOwner === undefined ? {} : {fileOwner: this.#options.fileOwner}),
			});
			if (this.#stopped) {
				throw new Error('the engine was stopped while it was starting');
			}

			const registry = new DhtRegistry({
				...(this.#options.dhtBootstrap === undefined ? {} : {bootstrap: this.#options.dhtBootstrap}),
				...(this.#options.dhtBootstrap?.every(node => node.startsWith('127.0.0.1:')) ? {host: '127.0.0.1'} : {}),
			});
			this.#registry = registry;
			// The DHT bootstraps while tor uploads the onion descriptor: both take seconds on the real
			// networks (many nodes a bootstrap meets are gone and time out). The engine's first
			// publish and lookups wait for it; a socket that cannot bind fails the start below.
			const registryStarted = registry.start().then(() => {
				if (!this.#stopped) {
					this.#reportNodes();
				}
			});
			registryStarted.catch(() => undefined);
			const only = this.#options.only === undefined ? undefined : new Set(this.#options.only);
			const certificates = [...this.#certificates.values()].filter(certificate => !only || only.has(certificate.fingerprint));
			const engine = new Engine({
				identity: profile.identity,
				store: profile.store,
				contacts: certificates,
				torControl: {...this.#tor.control, ...this.#relocation(this.#tor)},
				socks: this.#tor.socks,
				registry: afterStart(registry, registryStarted),
				invisible: this.#own.state === 'invisible',
				...(debug ? {log: debug} : {}),
				...(this.#options.publishWindowMs === undefined ? {} : {publishWindowMs: this.#options.publishWindowMs}),
				...(this.#options.lookupBackoffMs === undefined ? {} : {lookupBackoffMs: this.#options.lookupBackoffMs}),
				...(this.#options.rotationGraceMs === undefined ? {} : {rotationGraceMs: this.#options.rotationGraceMs}),
			});
			this.#engine = engine;
			engine.subscribe(event => {
				this.#onEngineEvent(event);
			});
			await engine.setPresence(this.#own.state === 'invisible' ? 'online' : this.#own.state, this.#own.status);
			await Promise.all([engine.start(), registryStarted]);
		} catch (error) {
			if (!this.#stopped) {
				this.#emit({type: 'error', scope: 'tor', message: (error as Error).message});
			}

			await this.#release();
			this.#setLifecycle('stopped');
			throw error;
		}
	}

	/** A tor of umbra's own is started again where it died; its new SOCKS port serves key lookups too. */
	#relocation(tor: TorAccess): {relocate?: NonNullable<TorAccess['relocate']>} {
		const {relocate} = tor;
		if (!relocate) {
			return {};
		}

		return {
			async relocate() {
				const located = await relocate();
				tor.socks = located.socks;
				return located;
			},
		};
	}

	async stop(): Promise<void> {
		if (this.#stopped) {
			return;
		}

		this.#stopped = true;
		// Stopping while start() still runs (Tor bootstrapping, the first descriptor upload):
		// closing what exists makes start() fail fast; then whatever it made meanwhile goes too.
		await this.#release();
		await this.#starting?.catch(() => undefined);
		await this.#release();
		this.#setLifecycle('stopped');
	}

	async #release(): Promise<void> {
		await this.#engine?.stop().catch(() => undefined);
		await this.#registry?.close().catch(() => undefined);
		await this.#tor?.release().catch(() => undefined);
		this.#tor = undefined;
	}

	subscribe(listener: EngineListener): () => void {
		this.#listeners.add(listener);
		return () => {
			this.#listeners.delete(listener);
		};
	}

	status(): EngineStatus {
		const snapshot = this.#engine?.snapshot();
		return {
			lifecycle: this.#lifecycle,
			tor: {progress: snapshot?.torProgress ?? 0, summary: snapshot?.torSummary ?? '', connected: snapshot?.torConnected ?? false},
			onionUp: snapshot?.onionUp ?? false,
			onionSince: snapshot?.onionSince,
			dhtNodes: this.#registry?.nodeCount() ?? 0,
			lastPublishedAt: snapshot?.lastPublishedAt,
			presence: {...this.#own},
		};
	}

	contacts(): ContactView[] {
		const unread = this.#store.unreadCounts();
		return this.#store.listContacts().map(contact => {
			const seen = this.#seen.get(contact.fingerprint);
			return {
				fingerprint: contact.fingerprint,
				name: contact.name,
				keyId: contact.fingerprint.slice(-16),
				userIds: this.#certificates.get(contact.fingerprint)?.userIds ?? [],
				hidden: contact.hidden,
				presence: seen?.presence ?? 'offline',
				status: seen?.status ?? '',
				unread: unread.get(contact.fingerprint) ?? 0,
				typing: seen?.typing ?? false,
			};
		});
	}

	history(contact: string, options: {before?: number; limit: number}): Message[] {
		return this.#store.listConversation(contact, options);
	}

	search(text: string, options?: {contact?: string; limit?: number}): Message[] {
		return this.#store.search(text, options);
	}

	async send(contact: string, text: string): Promise<Message> {
		if (this.#engine) {
			return this.#engine.send(contact, text);
		}

		// Not started (or still starting): queued in the outbox; the engine sends it on connect.
		if (!this.#store.getContact(contact)) {
			throw new Error('send: no such contact; add the contact first');
		}

		const message = this.#store.appendOutgoing({id: randomId(), contact, body: text, createdAt: Date.now()});
		this.#emit({type: 'message.state', id: message.id, contact, state: 'queued'});
		return message;
	}

	async setPresence(state: OwnPresence, status?: string): Promise<void> {
		const wasInvisible = this.#own.state === 'invisible';
		const own = {state, status: status ?? this.#own.status};
		// New text alone (the bot's --status at start, say) keeps the remembered state, which a
		// --presence for this run must not replace.
		const remembered = {state: state === this.#own.state ? this.#remembered.state : state, status: own.status};
		this.#store.setOwnPresence(remembered);
		this.#remembered = remembered;
		this.#own = own;
		const engine = this.#engine;
		if (!engine) {
			return;
		}

		if (state === 'invisible') {
			await engine.setInvisible(true);
			return;
		}

		await engine.setPresence(state, this.#own.status);
		if (wasInvisible) {
			await engine.setInvisible(false);
		}
	}

	async hide(contact: string): Promise<void> {
		this.#store.setHidden(this.#known(contact), true);
		this.#emit({type: 'contacts.changed'});
		await this.#engine?.setHidden(contact, true);
	}

	async show(contact: string): Promise<void> {
		this.#store.setHidden(this.#known(contact), false);
		this.#emit({type: 'contacts.changed'});
		await this.#engine?.setHidden(contact, false);
	}

	async addContact(certificate: Certificate, name: string): Promise<ContactView> {
		this.#store.addContact({fingerprint: certificate.fingerprint, name, certificate: certificate.key.write()});
		this.#certificates.set(certificate.fingerprint, certificate);
		this.#engine?.addContact(certificate);
		this.#emit({type: 'contacts.changed'});
		const view = this.contacts().find(contact => contact.fingerprint === certificate.fingerprint);
		if (!view) {
			throw new Error('addContact: the contact was not stored');
		}

		return view;
	}

	async removeContact(contact: string): Promise<void> {
		this.#store.removeContact(this.#known(contact));
		this.#seen.delete(contact);
		this.#certificates.delete(contact);
		this.#emit({type: 'contacts.changed'});
		await this.#engine?.removeContact(contact);
	}

	async renameContact(contact: string, name: string): Promise<void> {
		this.#store.renameContact(this.#known(contact), name);
		this.#emit({type: 'contacts.changed'});
	}

	async markRead(contact: string): Promise<void> {
		this.#store.markRead(this.#known(contact));
	}

	setTyping(contact: string, typing: boolean): void {
		this.#engine?.setTyping(contact, typing);
	}

	async fetchCertificate(query: string): Promise<Certificate> {
		const socks = this.#tor?.socks;
		if (!socks) {
			throw new Error('Looking up keys needs Tor, which is not connected yet; try again once umbra is online.');
		}

		const {certificate} = await fetchFromKeyservers({
			query: parseKeyQuery(query),
			keyservers: this.#options.profile.settings.get('keyservers'),
			dial: dialThroughTor(socks),
		});
		return certificate;
	}

	#known(contact: string): string {
		if (!this.#store.getContact(contact)) {
			throw new Error('There is no such contact.');
		}

		return contact;
	}

	#reportNodes(): void {
		const nodes = this.#registry?.nodeCount() ?? 0;
		if (nodes !== this.#nodes) {
			this.#nodes = nodes;
			this.#emit({type: 'registry.nodes', nodes});
		}
	}

	#onEngineEvent(event: EngineEvent): void {
		switch (event.type) {
			case 'contact.online': {
				this.#see(event.contact, {presence: 'online'});
				break;
			}

			case 'contact.offline': {
				this.#see(event.contact, {presence: 'offline', status: '', typing: false});
				break;
			}

			case 'contact.presence': {
				this.#see(event.contact, {presence: event.state, status: event.status});
				break;
			}

			case 'contact.typing': {
				this.#see(event.contact, {typing: event.typing});
				break;
			}

			case 'message.received': {
				this.#see(event.message.contact, {typing: false});
				break;
			}

			case 'lifecycle': {
				// The service reports its own stopped state once tor and the DHT are released too, and
				// its own start: the engine's "starting" and first "connecting-tor" would repeat it.
				if (event.state === 'stopped' || event.state === 'starting' || event.state === this.#lifecycle) {
					return;
				}

				this.#lifecycle = event.state;
				break;
			}

			case 'registry.published': {
				this.#reportNodes();
				break;
			}

			default: {
				break;
			}
		}

		this.#emit(event);
	}

	#see(contact: string, change: Partial<Seen>): void {
		const before = this.#seen.get(contact) ?? {presence: 'offline', status: '', typing: false};
		this.#seen.set(contact, {...before, ...change});
	}

	#setLifecycle(state: NonNullable<EngineStatus['lifecycle']>): void {
		this.#lifecycle = state;
		this.#emit({type: 'lifecycle', state});
	}

	#emit(event: EngineEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch (error) {
				this.#options.debug?.(`an event listener threw: ${(error as Error).message}`);
			}
		}
	}
}

function randomId(): string {
	return randomBytes(16).toString('hex');
}
