import {UnknownOptionError} from './errors.js';

/**
 * Rejects options the function does not know, as openpgp.js does: a misspelt `date` would
 * otherwise silently fall back to the current time.
 */
export function checkOptions(functionName: string, options: object | undefined, allowed: readonly string[]): void {
	if (options === undefined) {
		return;
	}

	for (const key of Object.keys(options)) {
		if (!allowed.includes(key)) {
			throw new UnknownOptionError(functionName, key, allowed);
		}
	}
}

/** Default cap on key blocks and messages read from outside, checked before any parsing. */
export const defaultMaxBytes = 1024 * 1024;

export function byteLength(input: string | Uint8Array): number {
	return typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
}
