import * as openpgp from 'openpgp';
import {InputTooLargeError, MalformedCertificateError} from './errors.js';
import {byteLength} from './options.js';
import {stripControl} from './sanitize.js';

const armorBlock = /-----BEGIN PGP (?:PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP (?:PUBLIC|PRIVATE) KEY BLOCK-----/g;

function looksArmored(bytes: Uint8Array): boolean {
	const head = new TextDecoder('utf-8', {fatal: false}).decode(bytes.subarray(0, 64)).trimStart();
	return head.startsWith('-----BEGIN PGP');
}

/** openpgp.js's reason, kept short and printable: it may echo bytes of the input. */
function describe(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return stripControl(message).slice(0, 160);
}

/**
 * Reads every key in armored text (one or several armor blocks, as several `gpg --export --armor`
 * outputs pasted together) or in binary (`gpg --export`). The size cap is checked before any
 * parsing. Throws InputTooLargeError or MalformedCertificateError, nothing else.
 */
export async function readKeyBlock(input: string | Uint8Array, maxBytes: number): Promise<openpgp.Key[]> {
	const size = byteLength(input);
	if (size > maxBytes) {
		throw new InputTooLargeError(size, maxBytes);
	}

	if (size === 0) {
		throw new MalformedCertificateError('the input is empty');
	}

	const text = typeof input === 'string' ? input : (looksArmored(input) ? new TextDecoder().decode(input) : undefined);
	try {
		if (text === undefined) {
			return await openpgp.readKeys({binaryKeys: input as Uint8Array});
		}

		const blocks = text.match(armorBlock);
		if (!blocks) {
			throw new MalformedCertificateError('no -----BEGIN PGP PUBLIC KEY BLOCK----- armor found');
		}

		const keys: openpgp.Key[] = [];
		for (const block of blocks) {
			keys.push(...await openpgp.readKeys({armoredKeys: block}));
		}

		return keys;
	} catch (error) {
		if (error instanceof MalformedCertificateError) {
			throw error;
		}

		throw new MalformedCertificateError(describe(error));
	}
}
