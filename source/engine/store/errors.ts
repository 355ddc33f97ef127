// Errors of the local store. Each message says what happened and what to do next, so the
// screens and the bot can show `error.message` as it is.

/** Base class: one `instanceof` tells store problems from bugs. */
export class StoreError extends Error {
	override name = 'StoreError';
}

export class WrongPassphraseError extends StoreError {
	override name = 'WrongPassphraseError';
	constructor(readonly path: string) {
		super(`Wrong passphrase: the message store ${path} could not be unlocked. Type it again (it is case-sensitive).`);
	}
}

/** store.db exists where a new one was to be made. */
export class StoreExistsError extends StoreError {
	override name = 'StoreExistsError';
	constructor(readonly path: string) {
		super(`A message store already exists at ${path}; umbra will not overwrite it. Open it, or pick another --data-dir.`);
	}
}

export class StoreMissingError extends StoreError {
	override name = 'StoreMissingError';
	constructor(readonly path: string) {
		super(`There is no message store at ${path}. Create an identity first (umbra init), or pick the right --data-dir.`);
	}
}

/** The file with the salt and KDF parameters is missing, truncated or not ours. */
export class StoreKeyFileError extends StoreError {
	override name = 'StoreKeyFileError';
	constructor(readonly path: string, detail: string) {
		super(`The store key file ${path} ${detail}. Without it the message store cannot be unlocked; restore it from a backup of the data directory.`);
	}
}

/** The passphrase was right, yet the database does not read: damaged, or not an umbra store. */
export class StoreCorruptError extends StoreError {
	override name = 'StoreCorruptError';
	constructor(readonly path: string, detail: string) {
		super(`The message store ${path} is damaged or is not an umbra store (${detail}). Restore it from a backup of the data directory, or move it away to start with empty history.`);
	}
}

/** Written by a newer umbra; opening it with this one could lose what that one added. */
export class StoreTooNewError extends StoreError {
	override name = 'StoreTooNewError';
	constructor(readonly path: string, readonly found: number, readonly supported: number) {
		super(`The message store ${path} has schema version ${found}, made by a newer umbra; this one understands up to ${supported}. Upgrade umbra.`);
	}
}

export class DuplicateNameError extends StoreError {
	override name = 'DuplicateNameError';
	constructor(readonly contactName: string) {
		super(`You already have a contact named "${contactName}" (names ignore case). Pick another name.`);
	}
}

export class DuplicateContactError extends StoreError {
	override name = 'DuplicateContactError';
	constructor(readonly fingerprint: string, readonly existingName: string) {
		super(`The key ${fingerprint} is already your contact "${existingName}".`);
	}
}

export class UnknownContactError extends StoreError {
	override name = 'UnknownContactError';
	constructor(readonly fingerprint: string) {
		super(`No contact has the fingerprint ${fingerprint}. List your contacts to find the right one.`);
	}
}

export class InvalidContactNameError extends StoreError {
	override name = 'InvalidContactNameError';
}

/** A message ID already stored for another conversation or direction. */
export class MessageIdConflictError extends StoreError {
	override name = 'MessageIdConflictError';
	constructor(readonly id: string) {
		super(`A message with the ID ${id} is already stored in another conversation or direction; the new one was not stored.`);
	}
}

/** The user's own key offered as a contact: messages to it would collide with their own in the store. */
export class OwnKeyError extends StoreError {
	override name = 'OwnKeyError';
	readonly reason = 'this is your own key.';
	constructor(readonly fingerprint: string) {
		super('This is your own key: it cannot be a contact. Give it to your contacts (umbra export, /export) and add theirs.');
	}
}
