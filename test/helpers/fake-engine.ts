// A fake EngineApi for unit tests of the layers above the engine (the screens, the bot): it keeps
// contacts and conversations in memory, records every call, emits the events the real engine
// would for what it is asked to do, and can be told to fail a method. The real engine is
// exercised by the engine's and the end-to-end tests.
import {NotAContactKeyError, type CertificateUpdate, type Certificate, type ContactView, type EngineApi, type EngineEvent, type EngineListener, type EngineStatus, type Message, type OwnPresence} from '../../source/engine/index.js';

export type FakeCall = {method: string; args: unknown[]};

export function contactView(name: string, fingerprint: string, overrides: Partial<ContactView> = {}): ContactView {
	return {fingerprint, name, keyId: fingerprint.slice(-16), userIds: [], hidden: false, keyState: 'valid', presence: 'offline', status: '', unread: 0, typing: false, ...overrides};
}

/** A fingerprint made from a number, distinct per number. */
export function fakeFingerprint(seed: number): string {
	return seed.toString(16).toUpperCase().padStart(40, 'A');
}

export class FakeEngine implements EngineApi {
	readonly self = {fingerprint: 'F'.repeat(40), keyId: 'F'.repeat(16), userId: 'me <me@example.org>'};
	readonly calls: FakeCall[] = [];
	readonly listeners = new Set<EngineListener>();
	contactList: ContactView[] = [];
	/** Conversations by fingerprint, oldest first. */
	conversations = new Map<string, Message[]>();
	presence: {state: OwnPresence; status: string} = {state: 'online', status: ''};
	engineStatus: Omit<EngineStatus, 'presence'> = {lifecycle: 'ready', tor: {progress: 100, summary: 'Done', connected: true}, onionUp: true, onionSince: 0, dhtNodes: 5, lastPublishedAt: undefined};
	certificates = new Map<string, Certificate>();
	/** What mergeCertificates and refreshCertificate answer; none: the input holds no contact's key. */
	keyUpdates: CertificateUpdate[] = [];
	failing = new Set<string>();
	started = false;
	stopped = false;
	now = () => Date.now();
	#nextId = 1;

	#record(method: string, ...args: unknown[]): void {
		this.calls.push({method, args});
		if (this.failing.has(method)) {
			throw new Error(`${method} is broken in this test`);
		}
	}

	callsOf(method: string): unknown[][] {
		return this.calls.filter(call => call.method === method).map(call => call.args);
	}

	emit(event: EngineEvent): void {
		for (const listener of this.listeners) {
			listener(event);
		}
	}

	addContactView(view: ContactView): ContactView {
		this.contactList.push(view);
		return view;
	}

	/** Stores `count` messages in a conversation without events (a history that already exists). */
	seedHistory(contact: string, count: number, make: (index: number) => Partial<Message> = () => ({})): void {
		const messages = this.conversations.get(contact) ?? [];
		const start = messages.length;
		for (let index = 0; index < count; index++) {
			messages.push(this.#message(contact, {direction: index % 2 === 0 ? 'in' : 'out', body: `message ${start + index + 1}`, read: true, state: 'delivered', position: start + index + 1, ...make(start + index)}));
		}

		this.conversations.set(contact, messages);
	}

	/** A message from a contact arrives: stored, counted unread, announced. */
	receive(contact: string, body: string): Message {
		const message = this.#message(contact, {direction: 'in', body, read: false});
		this.conversations.set(contact, [...(this.conversations.get(contact) ?? []), message]);
		const view = this.contactList.find(known => known.fingerprint === contact);
		if (view) {
			view.unread += 1;
		}

		this.emit({type: 'message.received', message});
		return message;
	}

	#message(contact: string, fields: Partial<Message>): Message {
		const now = this.now();
		const position = (this.conversations.get(contact)?.length ?? 0) + 1;
		return {id: `m${this.#nextId++}`, contact, direction: 'out', body: '', createdAt: now, receivedAt: now, state: 'queued', stateChangedAt: now, position, read: true, ...fields};
	}

	async start(): Promise<void> {
		this.#record('start');
		this.started = true;
	}

	async stop(): Promise<void> {
		this.#record('stop');
		this.stopped = true;
	}

	subscribe(listener: EngineListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	status(): EngineStatus {
		return {...this.engineStatus, presence: this.presence};
	}

	contacts(): ContactView[] {
		return this.contactList.map(contact => ({...contact}));
	}

	history(contact: string, {before = Number.MAX_SAFE_INTEGER, limit}: {before?: number; limit: number}): Message[] {
		this.#record('history', contact, before, limit);
		const messages = this.conversations.get(contact) ?? [];
		// Positions run from 1 without gaps here, so the page is a slice.
		const end = Math.min(messages.length, before - 1);
		return messages.slice(Math.max(0, end - limit), end);
	}

	search(text: string, options: {contact?: string; limit?: number} = {}): Message[] {
		this.#record('search', text, options);
		const all = options.contact === undefined ? [...this.conversations.values()].flat() : (this.conversations.get(options.contact) ?? []);
		return all.filter(message => message.body.includes(text)).slice(0, options.limit ?? 100);
	}

	async send(contact: string, text: string): Promise<Message> {
		this.#record('send', contact, text);
		const message = this.#message(contact, {direction: 'out', body: text, state: 'queued'});
		this.conversations.set(contact, [...(this.conversations.get(contact) ?? []), message]);
		return message;
	}

	async setPresence(state: OwnPresence, status?: string): Promise<void> {
		this.#record('setPresence', state, status);
		this.presence = {state, status: status ?? this.presence.status};
	}

	async hide(contact: string): Promise<void> {
		this.#record('hide', contact);
		this.#change(contact, {hidden: true});
	}

	async show(contact: string): Promise<void> {
		this.#record('show', contact);
		this.#change(contact, {hidden: false});
	}

	async addContact(certificate: Certificate, name: string): Promise<ContactView> {
		this.#record('addContact', certificate.fingerprint, name);
		const view = this.addContactView(contactView(name, certificate.fingerprint, {userIds: certificate.userIds}));
		this.emit({type: 'contacts.changed'});
		return view;
	}

	async removeContact(contact: string): Promise<void> {
		this.#record('removeContact', contact);
		this.contactList = this.contactList.filter(view => view.fingerprint !== contact);
		this.conversations.delete(contact);
		this.emit({type: 'contacts.changed'});
	}

	async renameContact(contact: string, name: string): Promise<void> {
		this.#record('renameContact', contact, name);
		this.#change(contact, {name});
	}

	async markRead(contact: string): Promise<void> {
		this.#record('markRead', contact);
		const view = this.contactList.find(known => known.fingerprint === contact);
		if (view) {
			view.unread = 0;
		}
	}

	setTyping(contact: string, typing: boolean): void {
		this.#record('setTyping', contact, typing);
	}

	async fetchCertificate(query: string): Promise<Certificate> {
		this.#record('fetchCertificate', query);
		const certificate = this.certificates.get(query);
		if (!certificate) {
			throw new Error(`no certificate for ${query} on the fake keyserver`);
		}

		return certificate;
	}

	async mergeCertificates(input: string | Uint8Array): Promise<CertificateUpdate[]> {
		this.#record('mergeCertificates', input);
		if (this.keyUpdates.length === 0) {
			throw new NotAContactKeyError();
		}

		return this.keyUpdates;
	}

	async refreshCertificate(contact: string): Promise<CertificateUpdate> {
		this.#record('refreshCertificate', contact);
		const update = this.keyUpdates.find(known => known.contact === contact);
		if (!update) {
			throw new Error(`no key for ${contact} on the fake keyserver`);
		}

		return update;
	}

	#change(contact: string, fields: Partial<ContactView>): void {
		const view = this.contactList.find(known => known.fingerprint === contact);
		if (view) {
			Object.assign(view, fields);
			this.emit({type: 'contacts.changed'});
		}
	}
}
