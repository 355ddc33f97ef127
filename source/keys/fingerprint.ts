import {InvalidKeyQueryError, ShortKeyIdError} from './errors.js';

/** A key the user asked for: a long key ID or a v4 fingerprint, normalised to upper-case hex. */
export type KeyQuery =
	| {kind: 'keyid'; keyId: string}
	| {kind: 'fingerprint'; fingerprint: string};

/** "ABCD 1234 ..." in groups of four, upper case, the way people read fingerprints aloud. */
export function formatFingerprint(fpr: string): string {
	const hex = fpr.replace(/\s+/g, '').toUpperCase();
	return hex.match(/.{1,4}/g)?.join(' ') ?? '';
}

/**
 * Parses what a user typed or pasted: `0x` prefix, spaces and lower case are fine. Short IDs are
 * refused on purpose: 32 bits collide by brute force in seconds.
 */
export function parseKeyQuery(input: string): KeyQuery {
	const compact = input.trim().replace(/^0x/i, '').replace(/\s+/g, '');
	if (!/^[\da-f]*$/i.test(compact) || compact.length === 0) {
		throw new InvalidKeyQueryError(input, 'it contains characters other than hex digits');
	}

	const hex = compact.toUpperCase();
	switch (hex.length) {
		case 8: {
			throw new ShortKeyIdError(input);
		}

		case 16: {
			return {kind: 'keyid', keyId: hex};
		}

		case 40: {
			return {kind: 'fingerprint', fingerprint: hex};
		}

		case 64: {
			throw new InvalidKeyQueryError(input, 'it is a v6 fingerprint (64 hex digits); umbra uses v4 keys, the kind GnuPG makes');
		}

		default: {
			throw new InvalidKeyQueryError(input, `it has ${hex.length} hex digits; a long key ID has 16 and a fingerprint 40`);
		}
	}
}

/** The 16-hex key ID of a v4 fingerprint (its last 64 bits). */
export function keyIdOfFingerprint(fingerprint: string): string {
	return fingerprint.slice(-16).toUpperCase();
}
