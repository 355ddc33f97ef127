// Contacts in the store: a certificate (binary OpenPGP) plus the user's local name for it.
// Names are unique ignoring case (the column is COLLATE NOCASE), since "Bob" and "bob" in one
// list invite sending to the wrong person.
import type Database from 'better-sqlite3-multiple-ciphers';
import {DuplicateContactError, DuplicateNameError, InvalidContactNameError, OwnKeyError, UnknownContactError} from './errors.js';

type Db = Database.Database;

export type Contact = {
	/** 40 upper-case hex digits (v4). */
	fingerprint: string;
	name: string;
	/** The certificate, binary OpenPGP. */
	certificate: Uint8Array;
	/** Milliseconds since the epoch. */
	addedAt: number;
	/** "Appear offline" to this contact. */
	hidden: boolean;
	/** Issue time (ms) of the newest address record read from them; older ones are replays. */
	lastRecordIssuedAt: number | undefined;
	/**
	 * The time (µs) of the last registry write for them: the floor under their slots' seq
	 * (Publisher writeTimes), which each slot offsets on its own.
	 */
	lastSeq: number | undefined;
};

export type NewContact = {
	fingerprint: string;
	name: string;
	certificate: Uint8Array;
	addedAt?: number;
	hidden?: boolean;
};

export type RegistryState = {lastRecordIssuedAt?: number; lastSeq?: number};

type ContactRow = {
	fingerprint: string;
	name: string;
	certificate: Buffer;
	added_at: number;
	hidden: number;
	last_record_issued_at: number | null;
	last_seq: number | null;
};

export const maxContactNameLength = 64;

export function normalizeFingerprint(fingerprint: string): string {
	const hex = fingerprint.replace(/\s+/g, '').toUpperCase();
	if (!/^[\dA-F]{40}$/.test(hex)) {
		throw new RangeError(`Not a v4 fingerprint (40 hex digits): ${JSON.stringify(fingerprint)}`);
	}

	return hex;
}

/** Trims the name; refuses empty, overlong, and control or format characters (bidi tricks). */
/** Refuses the user's own key as a contact; every way of adding one (umbra import, /add) asks this. */
export function refuseOwnKey(fingerprint: string, ownFingerprint: string): void {
	if (normalizeFingerprint(fingerprint) === normalizeFingerprint(ownFingerprint)) {
		throw new OwnKeyError(fingerprint);
	}
}

export function checkContactName(name: string): string {
	const trimmed = name.trim();
	if (trimmed === '') {
		throw new InvalidContactNameError('A contact name cannot be empty. Type a name for them.');
	}

	if ([...trimmed].length > maxContactNameLength) {
		throw new InvalidContactNameError(`A contact name can have at most ${maxContactNameLength} characters. Pick a shorter one.`);
	}

	if (/[\p{Cc}\p{Cf}]/u.test(trimmed)) {
		throw new InvalidContactNameError('A contact name cannot contain control or formatting characters. Type a plain name.');
	}

	return trimmed;
}

function toContact(row: ContactRow): Contact {
	return {
		fingerprint: row.fingerprint,
		name: row.name,
		certificate: new Uint8Array(row.certificate),
		addedAt: row.added_at,
		hidden: row.hidden === 1,
		lastRecordIssuedAt: row.last_record_issued_at ?? undefined,
		lastSeq: row.last_seq ?? undefined,
	};
}

export type ContactMethods = {
	addContact(contact: NewContact): Contact;
	getContact(fingerprint: string): Contact | undefined;
	getContactByName(name: string): Contact | undefined;
	/** Ordered by name, ignoring case. */
	listContacts(): Contact[];
	renameContact(fingerprint: string, name: string): Contact;
	/** Also deletes the conversation with them. Returns whether there was such a contact. */
	removeContact(fingerprint: string): boolean;
	setHidden(fingerprint: string, hidden: boolean): Contact;
	replaceCertificate(fingerprint: string, certificate: Uint8Array): Contact;
	updateRegistryState(fingerprint: string, state: RegistryState): Contact;
};

export function contactMethods(db: Db, now: () => number): ContactMethods {
	const selectByFingerprint = db.prepare<[string], ContactRow>('SELECT * FROM contacts WHERE fingerprint = ?');
	const selectByName = db.prepare<[string], ContactRow>('SELECT * FROM contacts WHERE name = ?');
	const selectAll = db.prepare<[], ContactRow>('SELECT * FROM contacts ORDER BY name, fingerprint');
	const insert = db.prepare('INSERT INTO contacts (fingerprint, name, certificate, added_at, hidden) VALUES (?, ?, ?, ?, ?)');
	const updateName = db.prepare('UPDATE contacts SET name = ? WHERE fingerprint = ?');
	const updateHidden = db.prepare('UPDATE contacts SET hidden = ? WHERE fingerprint = ?');
	const updateCertificate = db.prepare('UPDATE contacts SET certificate = ? WHERE fingerprint = ?');
	const updateRegistry = db.prepare('UPDATE contacts SET last_record_issued_at = coalesce(?, last_record_issued_at), last_seq = coalesce(?, last_seq) WHERE fingerprint = ?');
	const deleteContact = db.prepare('DELETE FROM contacts WHERE fingerprint = ?');

	const existing = (fingerprint: string): Contact => {
		const row = selectByFingerprint.get(fingerprint);
		if (row === undefined) {
			throw new UnknownContactError(fingerprint);
		}

		return toContact(row);
	};

	const checkNameFree = (name: string, fingerprint: string) => {
		const holder = selectByName.get(name);
		if (holder !== undefined && holder.fingerprint !== fingerprint) {
			throw new DuplicateNameError(name);
		}
	};

	// Each write checks and writes inside one transaction, so a clash found by the check cannot
	// appear between check and write.
	const update = <A extends unknown[]>(fn: (fingerprint: string, ...args: A) => void) => db.transaction((fingerprint: string, ...args: A): Contact => {
		const fpr = normalizeFingerprint(fingerprint);
		existing(fpr);
		fn(fpr, ...args);
		return existing(fpr);
	});

	const add = db.transaction((contact: NewContact): Contact => {
		const fingerprint = normalizeFingerprint(contact.fingerprint);
		const name = checkContactName(contact.name);
		const holder = selectByFingerprint.get(fingerprint);
		if (holder !== undefined) {
			throw new DuplicateContactError(fingerprint, holder.name);
		}

		checkNameFree(name, fingerprint);
		insert.run(fingerprint, name, Buffer.from(contact.certificate), contact.addedAt ?? now(), contact.hidden === true ? 1 : 0);
		return existing(fingerprint);
	});

	const rename = update((fingerprint, name: string) => {
		const checked = checkContactName(name);
		checkNameFree(checked, fingerprint);
		updateName.run(checked, fingerprint);
	});
	const hide = update((fingerprint, hidden: boolean) => updateHidden.run(hidden ? 1 : 0, fingerprint));
	const certificate = update((fingerprint, bytes: Uint8Array) => updateCertificate.run(Buffer.from(bytes), fingerprint));
	const registry = update((fingerprint, state: RegistryState) => updateRegistry.run(state.lastRecordIssuedAt ?? null, state.lastSeq ?? null, fingerprint));
	const remove = db.transaction((fingerprint: string) => deleteContact.run(normalizeFingerprint(fingerprint)).changes > 0);

	return {
		addContact: contact => add.immediate(contact),
		getContact(fingerprint) {
			const row = selectByFingerprint.get(normalizeFingerprint(fingerprint));
			return row === undefined ? undefined : toContact(row);
		},
		getContactByName(name) {
			const row = selectByName.get(name.trim());
			return row === undefined ? undefined : toContact(row);
		},
		listContacts: () => selectAll.all().map(row => toContact(row)),
		renameContact: (fingerprint, name) => rename.immediate(fingerprint, name),
		removeContact: fingerprint => remove.immediate(fingerprint),
		setHidden: (fingerprint, hidden) => hide.immediate(fingerprint, hidden),
		replaceCertificate: (fingerprint, bytes) => certificate.immediate(fingerprint, bytes),
		updateRegistryState: (fingerprint, state) => registry.immediate(fingerprint, state),
	};
}
