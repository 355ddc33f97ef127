// Contacts' certificates as they stand today. Every stored contact is kept, whatever the state of
// its key: a valid one is talked to; an expired one keeps its history and comes back when a
// refreshed copy extends it; a revoked one is never talked to again (its key may be in someone
// else's hands). A newer copy (a file, a keyserver, a refresh) is merged into the stored one,
// and the running engine follows at once: a key that stops being valid is cut off like a
// removed contact (bye, no more publishing, its handshakes refused, the onion rotated), one that
// becomes valid is added back, and a changed valid one is swapped in place.
import {certificateStatus, describeChange, mergeCertificate, readPublicKeys, type Certificate, type CertificateChange, type CertificateStatus, type KeyState} from '../../keys/index.js';
import type * as openpgp from 'openpgp';
import type {Clock, Scheduler} from '../clock.js';
import type {Store} from '../store/index.js';

export type CertificateUpdate = {
	contact: string;
	/** The contact's local name, for the lines below. */
	name: string;
	keyState: KeyState;
	changes: CertificateChange[];
	/** One line per change, for people ("Bob's key now expires 2027-01-01"). */
	lines: string[];
};

/** What the running engine must do when a contact's key changes state. */
export type CertificateFollower = {
	addContact(certificate: Certificate, hidden: boolean): void;
	removeContact(fingerprint: string): Promise<void>;
	updateContact(certificate: Certificate): void;
};

/** The engine as a follower; with `only` (umbra send), a key that becomes valid adds no one else. */
export function followEngine(engine: CertificateFollower, only: ReadonlySet<string> | undefined): CertificateFollower {
	return only ? {...bind(engine), addContact: (certificate, hidden) => only.has(certificate.fingerprint) && engine.addContact(certificate, hidden)} : bind(engine);
}

function bind(engine: CertificateFollower): CertificateFollower {
	return {
		addContact: (certificate, hidden) => {
			engine.addContact(certificate, hidden);
		},
		removeContact: async fingerprint => engine.removeContact(fingerprint),
		updateContact: certificate => {
			engine.updateContact(certificate);
		},
	};
}

/** A key that is not a contact's: nothing to merge it into. */
export class NotAContactKeyError extends Error {
	override name = 'NotAContactKeyError';
	constructor() {
		super('None of these keys is a contact\'s. To add a new contact, use /add or umbra import.');
	}
}

/** Reads the stored copy of every contact; an unreadable one counts as expired, never dropped. */
async function statusOf(bytes: Uint8Array, date: Date): Promise<CertificateStatus | undefined> {
	return certificateStatus(bytes, {date}).catch(() => undefined);
}

/**
 * Merges `keys` (any of which may be the contact's) into the stored certificate of `fingerprint`
 * and stores the result. For `umbra import`, which works on the store with no engine running.
 */
export async function mergeIntoStore(store: Store, fingerprint: string, keys: readonly openpgp.PublicKey[], date = new Date()): Promise<CertificateUpdate & {after: CertificateStatus; changed: boolean}> {
	const contact = store.getContact(fingerprint);
	const own = keys.filter(key => key.getFingerprint().toUpperCase() === fingerprint);
	if (!contact || own.length === 0) {
		throw new NotAContactKeyError();
	}

	let bytes = contact.certificate;
	let changes: CertificateChange[] = [];
	let after: CertificateStatus | undefined;
	let changed = false;
	for (const key of own) {
		const result = await mergeCertificate(bytes, key, {date});
		bytes = result.bytes;
		changes = [...changes, ...result.changes];
		changed ||= result.changed;
		after = result.after;
	}

	if (changed) {
		store.replaceCertificate(fingerprint, bytes);
	}

	const status = after!;
	return {contact: fingerprint, name: contact.name, keyState: status.state, changes, lines: changes.map(change => describeChange(contact.name, change)), after: status, changed};
}

export type ContactKeysOptions = {
	store: Store;
	clock: Clock;
	scheduler: Scheduler;
};

/** setTimeout's limit; a later expiry is checked again when this much time has passed. */
const maxTimerMs = 2_147_483_647;

export class ContactKeys {
	readonly #options: ContactKeysOptions;
	readonly #statuses = new Map<string, CertificateStatus>();
	#follower: CertificateFollower | undefined;
	#listener: (update: CertificateUpdate) => void = () => undefined;
	#expiryTimer: unknown;

	constructor(options: ContactKeysOptions) {
		this.#options = options;
	}

	/** Every stored contact's certificate, read and checked now. */
	async load(): Promise<void> {
		const date = new Date(this.#options.clock.now());
		for (const contact of this.#options.store.listContacts()) {
			const status = await statusOf(contact.certificate, date);
			this.#statuses.set(contact.fingerprint, status ?? {fingerprint: contact.fingerprint, state: 'expired', certificate: undefined, userIds: [], expiresAt: undefined, reason: 'The stored key cannot be read; import the contact\'s key again.'});
		}
	}

	/** Certificates the caller has already read and checked (tests, and engines given their contacts). */
	assume(certificates: readonly Certificate[]): void {
		for (const certificate of certificates) {
			this.add(certificate);
		}
	}

	/** Certificates umbra may talk to now. */
	usable(): Certificate[] {
		return [...this.#statuses.values()].flatMap(status => (status.certificate ? [status.certificate] : []));
	}

	/** What the contacts view shows: valid only while the key is; an expiry passing counts at once. */
	view(fingerprint: string): {keyState: KeyState; userIds: string[]} {
		const status = this.#statuses.get(fingerprint);
		if (!status) {
			return {keyState: 'valid', userIds: []};
		}

		const expired = status.state === 'valid' && status.expiresAt !== undefined && status.expiresAt.getTime() <= this.#options.clock.now();
		return {keyState: expired ? 'expired' : status.state, userIds: status.userIds};
	}

	/** Throws, saying why and what to do, when umbra does not talk to this contact because of its key. */
	checkUsable(fingerprint: string): void {
		const {keyState} = this.view(fingerprint);
		const name = this.#options.store.getContact(fingerprint)?.name ?? 'the contact';
		if (keyState === 'revoked') {
			throw new Error(`${name}'s key was revoked by its owner, so umbra no longer talks to them. Ask them for their new key and add it as a new contact.`);
		}

		if (keyState === 'expired') {
			throw new Error(`${name}'s key has expired, so umbra does not talk to them. Get a refreshed copy (/refresh ${name}, or umbra import) once they have extended it.`);
		}
	}

	/** Told when a key expires while running, or a merge changed something (the engine has followed). */
	listen(listener: (update: CertificateUpdate) => void): void {
		this.#listener = listener;
	}

	add(certificate: Certificate): void {
		this.#statuses.set(certificate.fingerprint, {fingerprint: certificate.fingerprint, state: 'valid', certificate, userIds: certificate.userIds, expiresAt: undefined, reason: ''});
		void this.#recheck(certificate.fingerprint);
	}

	/** Every contact, whatever its key's state (a refresh may bring an expired one back). */
	fingerprints(): string[] {
		return [...this.#statuses.keys()];
	}

	remove(fingerprint: string): void {
		this.#statuses.delete(fingerprint);
	}

	/** From now on the running engine follows every change; until stop(). */
	follow(follower: CertificateFollower): void {
		this.#follower = follower;
		this.#armExpiry();
	}

	stop(): void {
		this.#follower = undefined;
		this.#options.scheduler.clearTimeout(this.#expiryTimer);
	}

	/** Merges a key block (or keys) into the stored copies of the contacts it holds keys of. */
	async merge(input: string | Uint8Array | readonly openpgp.PublicKey[]): Promise<CertificateUpdate[]> {
		const keys = Array.isArray(input) ? input as readonly openpgp.PublicKey[] : await readPublicKeys(input as string | Uint8Array);
		const contacts = [...new Set(keys.map(key => key.getFingerprint().toUpperCase()))].filter(fingerprint => this.#statuses.has(fingerprint));
		if (contacts.length === 0) {
			throw new NotAContactKeyError();
		}

		const updates: CertificateUpdate[] = [];
		for (const fingerprint of contacts) {
			const {after, changed, ...update} = await mergeIntoStore(this.#options.store, fingerprint, keys, new Date(this.#options.clock.now()));
			if (changed) {
				await this.#apply(fingerprint, after);
			}

			updates.push(update);
			if (update.changes.length > 0) {
				this.#listener(update);
			}
		}

		return updates;
	}

	/** The new status of a contact's key, and what the engine does about it. */
	async #apply(fingerprint: string, after: CertificateStatus): Promise<void> {
		const before = this.#statuses.get(fingerprint);
		this.#statuses.set(fingerprint, after);
		const follower = this.#follower;
		if (follower) {
			const hidden = this.#options.store.getContact(fingerprint)?.hidden ?? false;
			if (before?.certificate && !after.certificate) {
				await follower.removeContact(fingerprint);
			} else if (!before?.certificate && after.certificate) {
				follower.addContact(after.certificate, hidden);
			} else if (after.certificate) {
				follower.updateContact(after.certificate);
			}
		}

		this.#armExpiry();
	}

	/** Reads the contact's stored key again (after an expiry passed) and applies its state. */
	async #recheck(fingerprint: string): Promise<void> {
		const contact = this.#options.store.getContact(fingerprint);
		const before = this.#statuses.get(fingerprint);
		if (!contact || !before) {
			return;
		}

		const status = await statusOf(contact.certificate, new Date(this.#options.clock.now()));
		if (!status || status.state === before.state) {
			this.#statuses.set(fingerprint, status ?? before);
			this.#armExpiry();
			return;
		}

		await this.#apply(fingerprint, status);
		const change: CertificateChange = status.state === 'valid' ? {kind: 'valid-again'} : {kind: status.state};
		this.#listener({contact: fingerprint, name: contact.name, keyState: status.state, changes: [change], lines: [describeChange(contact.name, change)]});
	}

	/** One timer, at the next expiry of a valid key, so an expiry cuts the contact off on time. */
	#armExpiry(): void {
		this.#options.scheduler.clearTimeout(this.#expiryTimer);
		this.#expiryTimer = undefined;
		if (!this.#follower) {
			return;
		}

		const next = [...this.#statuses.values()]
			.filter(status => status.certificate && status.expiresAt && status.expiresAt.getTime() > this.#options.clock.now())
			.sort((a, b) => a.expiresAt!.getTime() - b.expiresAt!.getTime())[0];
		if (!next) {
			return;
		}

		const delay = Math.max(0, next.expiresAt!.getTime() - this.#options.clock.now());
		this.#expiryTimer = this.#options.scheduler.setTimeout(() => {
			this.#expiryTimer = undefined;
			if (delay < maxTimerMs) {
				void this.#recheck(next.fingerprint);
			} else {
				this.#armExpiry();
			}
		}, Math.min(delay + 1000, maxTimerMs));
	}
}
