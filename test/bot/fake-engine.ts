// A small EngineApi fake for the bot's unit tests: records calls, emits events on demand, and
// can be told to fail a method. The real engine is exercised in bot-e2e.test.ts.
import type {Certificate} from '../../source/keys/index.js';
import type {ContactView, EngineApi, EngineEvent, EngineListener, EngineStatus, Message, OwnPresence} from '../../source/engine/index.js';

export type FakeCall = {method: string; args: unknown[]};

export function contactView(name: string, fingerprint: string, overrides: Partial<ContactView> = {}): ContactView {
	return {fingerprint, name, keyId: fingerprint.slice(-16), userIds: [], hidden: false, presence: 'offline', status: '', unread: 0, typing: false, ...overrides};
}

export class FakeEngine implements EngineApi {
	readonly self = {fingerprint: 'F'.repeat(40), keyId: 'F'.repeat(16), userId: 'bot <bot@example.org>'};
	readonly calls: FakeCall[] = [];
	readonly listeners = new Set<EngineListener>();
	contactList: ContactView[] = [];
	presence: {state: OwnPresence; status: string} = {state: 'online', status: ''};
	certificates = new Map<string, Certificate>();
	failing = new Set<string>();
	started = false;
	stopped = false;
	#nextId = 1;

	#record(method: string, ...args: unknown[]): void {
		this.calls.push({method, args});
		if (this.failing.has(method)) {
			throw new Error(`${method} is broken in this test`);
		}
	}

	emit(event: EngineEvent): void {
		for (const listener of this.listeners) {
			listener(event);
		}
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
		return {lifecycle: 'ready', tor: {progress: 100, summary: 'Done', connected: true}, onionUp: true, onionSince: 0, dhtNodes: 5, lastPublishedAt: 0, presence: this.presence};
	}

	contacts(): ContactView[] {
		return this.contactList;
	}

	history(): Message[] {
		return [];
	}

	search(): Message[] {
		return [];
	}

	async send(contact: string, text: string): Promise<Message> {
		this.#record('send', contact, text);
		const now = Date.now();
		return {id: `m${this.#nextId++}`, contact, direction: 'out', body: text, createdAt: now, receivedAt: now, state: 'queued', stateChangedAt: now, position: 1, read: true};
	}

	async setPresence(state: OwnPresence, status?: string): Promise<void> {
		this.#record('setPresence', state, status);
		this.presence = {state, status: status ?? this.presence.status};
	}

	async hide(contact: string): Promise<void> {
		this.#record('hide', contact);
	}

	async show(contact: string): Promise<void> {
		this.#record('show', contact);
	}

	async addContact(certificate: Certificate, name: string): Promise<ContactView> {
		this.#record('addContact', certificate.fingerprint, name);
		const view = contactView(name, certificate.fingerprint);
		this.contactList.push(view);
		return view;
	}

	async removeContact(contact: string): Promise<void> {
		this.#record('removeContact', contact);
	}

	async renameContact(contact: string, name: string): Promise<void> {
		this.#record('renameContact', contact, name);
	}

	async markRead(contact: string): Promise<void> {
		this.#record('markRead', contact);
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
}
