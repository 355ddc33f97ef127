import type * as openpgp from 'openpgp';

// Errors of the keys layer. Each message says what happened and what the user can do next,
// so the screens and the bot can show `error.message` as it is.

/** Base class, so callers can tell key problems from bugs with one `instanceof`. */
export class KeysError extends Error {
	override name = 'KeysError';
}

/** A function of this layer got an option it does not know (a typo would otherwise be ignored). */
export class UnknownOptionError extends KeysError {
	override name = 'UnknownOptionError';
	constructor(readonly functionName: string, readonly option: string, allowed: readonly string[]) {
		super(`${functionName}: unknown option "${option}"; the options are ${allowed.join(', ')}.`);
	}
}

export class ShortKeyIdError extends KeysError {
	override name = 'ShortKeyIdError';
	constructor(readonly input: string) {
		super(`"${input}" is a short (8-hex) key ID. Anyone can make a key with the same short ID in seconds, so umbra does not accept them. Ask your contact for the long key ID (16 hex) or the full fingerprint (40 hex): gpg --fingerprint.`);
	}
}

export class InvalidKeyQueryError extends KeysError {
	override name = 'InvalidKeyQueryError';
	constructor(readonly input: string, detail = 'it is neither a long key ID (16 hex digits) nor a fingerprint (40 hex digits)') {
		super(`Not a key ID: ${detail}. Ask your contact for the output of: gpg --fingerprint.`);
	}
}

/** The input is larger than the cap; checked before parsing so a huge paste costs nothing. */
export class InputTooLargeError extends KeysError {
	override name = 'InputTooLargeError';
	constructor(readonly size: number, readonly maxBytes: number) {
		super(`The key data is ${size} bytes, more than the ${maxBytes} bytes umbra accepts. Export just the one key you need (gpg --export --armor FINGERPRINT).`);
	}
}

/** Not parseable as OpenPGP keys at all: garbage, truncated, or not a key block. */
export class MalformedCertificateError extends KeysError {
	override name = 'MalformedCertificateError';
	constructor(detail: string) {
		super(`This is not a readable OpenPGP key (${detail}). Export it again with gpg --export --armor FINGERPRINT and paste the whole block, from -----BEGIN to -----END.`);
	}
}

export class CertificateNotFoundError extends KeysError {
	override name = 'CertificateNotFoundError';
	constructor(readonly query: string) {
		super(`No key with the ID ${query} was found in the answer. Check the ID with your contact (gpg --fingerprint), or ask them for their key as a file.`);
	}
}

/** Several different keys answer to one long key ID: someone may have forged a colliding key. */
export class AmbiguousKeyIdError extends KeysError {
	override name = 'AmbiguousKeyIdError';
	constructor(readonly keyId: string, readonly fingerprints: readonly string[]) {
		super(`Several different keys have the key ID ${keyId} (${fingerprints.join(', ')}); one of them may be a forgery. Ask your contact for the full 40-hex fingerprint and add them by that.`);
	}
}

export type RejectionCode =
	| 'expired'
	| 'revoked'
	| 'no-encryption-subkey'
	| 'unsupported-primary'
	| 'invalid-self-signature'
	| 'cannot-sign'
	| 'no-secret-material';

/** A key was read but cannot be used by umbra; `code` is for programs, the message for people. */
export class CertificateRejectedError extends KeysError {
	override name = 'CertificateRejectedError';
	/** The key as read, when there was one: a contact's stored copy may still learn from it (a revocation). */
	constructor(readonly code: RejectionCode, readonly fingerprint: string | undefined, message: string, readonly key?: openpgp.PublicKey) {
		super(message);
	}
}

export class WrongPassphraseError extends KeysError {
	override name = 'WrongPassphraseError';
	constructor() {
		super('Wrong passphrase: the secret key could not be unlocked. Type it again (it is case-sensitive).');
	}
}

/** A secret key block that umbra cannot use as an identity (several keys, only public parts, ...). */
export class SecretKeyImportError extends KeysError {
	override name = 'SecretKeyImportError';
}

/** A user ID openpgp.js would not put in a key; says what is expected. */
export class InvalidUserIdError extends KeysError {
	override name = 'InvalidUserIdError';
	constructor(readonly userId: string, detail: string) {
		super(`Not a user ID umbra can use: ${detail}. Give a name, an address, or both, like "Alice Doe <alice@example.org>" or "<alice@example.org>".`);
	}
}
