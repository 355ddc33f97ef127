// Key arguments as users type them: a key ID or fingerprint, or the path of a key file. A file is
// checked before anything else happens, so a typo in its name is reported as a missing file,
// not as a bad key ID or a question the user cannot answer.
import {open, type FileHandle} from 'node:fs/promises';
import {KeysError} from './errors.js';

/**
 * Larger than any key block this layer accepts, so readCertificates reports the size with the
 * fix; reading stops here so a wrong file (a disk image, /dev/zero) costs no memory.
 */
const readCapBytes = 8 * 1024 * 1024;

/**
 * Hex digits with an optional 0x and spaces (how gpg prints a fingerprint): a key ID or
 * fingerprint, even a malformed one. Anything else (a slash, a dot, any other letter) is a path.
 */
export function looksLikeKeyId(argument: string): boolean {
	return /^\s*(?:0x)?[\da-f][\da-f\s]*$/i.test(argument);
}

/** A key file that cannot be read: missing, a directory, not readable by this user. */
export class KeyFileError extends KeysError {
	override name = 'KeyFileError';
	constructor(readonly path: string, readonly problem: string) {
		super(`Cannot read ${path}: ${problem}.`);
	}
}

function problemOf(error: unknown): string {
	const {code, message} = error as NodeJS.ErrnoException;
	switch (code) {
		case 'ENOENT': {
			return 'there is no such file';
		}

		case 'EISDIR': {
			return 'it is a directory, not a file';
		}

		case 'EACCES':
		case 'EPERM': {
			return 'permission denied (you are not allowed to read it)';
		}

		case 'ENOTDIR': {
			return 'a part of the path is not a directory';
		}

		default: {
			return code ?? message;
		}
	}
}

/** The bytes of a key file, up to a cap, or a KeyFileError that says what is wrong with it. */
export async function readKeyFile(path: string): Promise<Uint8Array> {
	let handle: FileHandle;
	try {
		handle = await open(path, 'r');
	} catch (error) {
		throw new KeyFileError(path, problemOf(error));
	}

	try {
		const stats = await handle.stat();
		if (stats.isDirectory()) {
			throw new KeyFileError(path, 'it is a directory, not a file');
		}

		const buffer = Buffer.alloc(readCapBytes + 1);
		let size = 0;
		for (;;) {
			const {bytesRead} = await handle.read(buffer, size, buffer.length - size, null);
			size += bytesRead;
			if (bytesRead === 0 || size === buffer.length) {
				break;
			}
		}

		if (size === 0) {
			throw new KeyFileError(path, 'it is empty');
		}

		return new Uint8Array(buffer.subarray(0, size));
	} catch (error) {
		throw error instanceof KeyFileError ? error : new KeyFileError(path, problemOf(error));
	} finally {
		await handle.close();
	}
}
