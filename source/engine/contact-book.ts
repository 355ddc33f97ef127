// The user's contacts as the engine keeps them: the store's rows, their certificates (the views
// show their user IDs), and, once the engine runs, a peer each in the peer table. Every change
// goes to the store first, then to who may see the user (node/visibility.ts), then out as
// 'contacts.changed'.
import {readCertificates, type Certificate} from '../keys/index.js';
import type {ContactView} from './api.js';
import type {EngineEvent} from './events.js';
import type {PeerTable, Visibility} from './node/index.js';
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
};

export class ContactBook {
	readonly #options: ContactBookOptions;
	readonly #certificates = new Map<string, Certificate>();
	#loaded = false;

	constructor(options: ContactBookOptions) {
		this.#options = options;
		for (const certificate of options.contacts ?? []) {
			this.#certificates.set(certificate.fingerprint, certificate);
		}
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
				userIds: this.#certificates.get(contact.fingerprint)?.userIds ?? [],
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
		if (!this.#options.contacts) {
			const read = await Promise.all(stored.map(async contact => readCertificates(contact.certificate).catch(() => ({certificates: [] as Certificate[]}))));
			for (const certificate of read.flatMap(result => result.certificates)) {
				this.#certificates.set(certificate.fingerprint, certificate);
			}
		}

		const hidden = new Map(stored.map(contact => [contact.fingerprint, contact.hidden]));
		const only = this.#options.only === undefined ? undefined : new Set(this.#options.only);
		for (const certificate of this.#certificates.values()) {
			const isHidden = hidden.get(certificate.fingerprint);
			if (isHidden !== undefined && (!only || only.has(certificate.fingerprint))) {
				peers.add(certificate, isHidden);
			}
		}

		this.#loaded = true;
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
		this.#certificates.set(certificate.fingerprint, certificate);
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
		this.#certificates.delete(contact);
		this.#options.emit({type: 'contacts.changed'});
		await this.#options.visibility.remove(contact);
	}

	rename(contact: string, name: string): void {
		this.#options.store.renameContact(this.known(contact), name);
		this.#options.emit({type: 'contacts.changed'});
	}

	/** Appear offline to the contact (its session cut, its slots decoys, the onion rotated), or show again. */
	async setHidden(contact: string, hidden: boolean): Promise<void> {
		this.#options.store.setHidden(this.known(contact), hidden);
		this.#options.emit({type: 'contacts.changed'});
		await this.#options.visibility.setHidden(contact, hidden);
	}
}
