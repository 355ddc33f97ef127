// The user's contacts as the engine keeps them: the store's rows, their certificates and the
// state of each (node/contact-keys.ts: the views show user IDs and valid, expired or revoked),
// and, once the engine runs, a peer each in the peer table for those with a valid key. Every
// change goes to the store first, then to who may see the user (node/visibility.ts), then out as
// 'contacts.changed'.
import type {Certificate} from '../keys/index.js';
import type {ContactView} from './api.js';
import type {Clock, Scheduler} from './clock.js';
import type {EngineEvent} from './events.js';
import {ContactKeys, followEngine, type CertificateUpdate, type PeerTable, type Visibility} from './node/index.js';
import type {Store} from './store/index.js';

export type ContactBookOptions = {
	store: Store;
	peers: PeerTable;
	visibility: Visibility;
	emit: (event: EngineEvent) => void;
	/** Every contact's certificate; default: read from the store by load(). */
	contacts?: readonly Certificate[];
	/** The engine runs for these only (umbra send): no peer for anyone else. */
	only?: readonly string[];
	clock: Clock;
	scheduler: Scheduler;
};

export class ContactBook {
	readonly #options: ContactBookOptions;
	readonly #keys: ContactKeys;
	#loaded = false;

	constructor(options: ContactBookOptions) {
		this.#options = options;
		this.#keys = new ContactKeys({store: options.store, clock: options.clock, scheduler: options.scheduler});
		this.#keys.listen(({contact, keyState, lines}) => {
			options.emit({type: 'contacts.changed'});
			options.emit({type: 'contact.key', contact, keyState, lines});
		});
	}

	/** Every contact, whatever its key's state (for the key refresh). */
	fingerprints(): string[] {
		return this.#keys.fingerprints();
	}

	/** Presence, status and typing come from the contact's session: offline without one. */
	views(): ContactView[] {
		const {store, peers} = this.#options;
		const unread = store.unreadCounts();
		return store.listContacts().map(contact => {
			const peer = peers.get(contact.fingerprint);
			const heard = peer?.session ? peer.heard : undefined;
			return {
				fingerprint: contact.fingerprint,
				name: contact.name,
				keyId: contact.fingerprint.slice(-16),
				...this.#keys.view(contact.fingerprint),
				hidden: contact.hidden,
				presence: heard?.presence ?? 'offline',
				status: heard?.status ?? '',
				unread: unread.get(contact.fingerprint) ?? 0,
				typing: heard?.typing ?? false,
			};
		});
	}

	/** At start: a peer for every stored contact the engine runs for; hidden ones stay hidden. */
	async load(): Promise<void> {
		const {store, peers} = this.#options;
		const stored = store.listContacts();
		if (this.#options.contacts) {
			this.#keys.assume(this.#options.contacts);
		} else {
			await this.#keys.load();
		}

		const hidden = new Map(stored.map(contact => [contact.fingerprint, contact.hidden]));
		const only = this.#options.only === undefined ? undefined : new Set(this.#options.only);
		for (const certificate of this.#keys.usable()) {
			const isHidden = hidden.get(certificate.fingerprint);
			if (isHidden !== undefined && (!only || only.has(certificate.fingerprint))) {
				peers.add(certificate, isHidden);
			}
		}

		// From now on a key that becomes valid, changes or stops being valid moves the peers at once.
		const {visibility} = this.#options;
		this.#keys.follow(followEngine({
			addContact: (certificate, isHidden) => {
				visibility.add(certificate, isHidden);
			},
			removeContact: async fingerprint => visibility.remove(fingerprint),
			updateContact: certificate => {
				visibility.replace(certificate);
			},
		}, only));
		this.#loaded = true;
		// The views knew no key states before: redraw.
		this.#options.emit({type: 'contacts.changed'});
	}

	/** Merges the contacts' keys in a key block (or keys) into their stored copies. */
	async merge(input: Parameters<ContactKeys['merge']>[0]): Promise<CertificateUpdate[]> {
		return this.#keys.merge(input);
	}

	/** Throws, saying why, when umbra does not talk to the contact because of its key. */
	checkUsable(contact: string): void {
		this.#keys.checkUsable(contact);
	}

	stop(): void {
		this.#keys.stop();
	}

	/** The fingerprint, if it is a contact; else an error with `message`. */
	known(contact: string, message = 'There is no such contact.'): string {
		if (!this.#options.store.getContact(contact)) {
			throw new Error(message);
		}

		return contact;
	}

	/** Stored; once the engine runs, published for and looked up at once. */
	add(certificate: Certificate, name: string): ContactView {
		this.#options.store.addContact({fingerprint: certificate.fingerprint, name, certificate: certificate.key.write()});
		this.#keys.add(certificate);
		if (this.#loaded) {
			this.#options.visibility.add(certificate, false);
		}

		this.#options.emit({type: 'contacts.changed'});
		const view = this.views().find(contact => contact.fingerprint === certificate.fingerprint);
		if (!view) {
			throw new Error('addContact: the contact was not stored');
		}

		return view;
	}

	/** Forgets the contact and its history; the onion rotates, so the address it knew leads nowhere. */
	async remove(contact: string): Promise<void> {
		this.#options.store.removeContact(this.known(contact));
		this.#keys.remove(contact);
		this.#options.emit({type: 'contacts.changed'});
		await this.#options.visibility.remove(contact);
	}

	rename(contact: string, name: string): void {
		this.#options.store.renameContact(this.known(contact), name);
		this.#options.emit({type: 'contacts.changed'});
	}

	/** Appear offline to the contact (its session cut, nothing more published for it, the onion rotated), or show again. */
	async setHidden(contact: string, hidden: boolean): Promise<void> {
		this.#options.store.setHidden(this.known(contact), hidden);
		this.#options.emit({type: 'contacts.changed'});
		await this.#options.visibility.setHidden(contact, hidden);
	}
}
