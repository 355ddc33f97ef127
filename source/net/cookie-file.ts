// Reading the cookie file a control port umbra only found (not started, not named) points at.
// Whoever answers there chose the path, and whoever can read the file can pose as the tor that
// wrote it (SAFECOOKIE proves knowledge of the cookie, nothing more). So the file must be one no
// other user can read or change: a regular file of root's or this user's, not readable by
// others and writable by no one else. Group read is allowed: it is how a system tor shares its
// cookie on purpose (CookieAuthFileGroupReadable). The checks are made on the opened file, so the
// file read is the file checked.
import {constants} from 'node:fs';
import {open} from 'node:fs/promises';
import process from 'node:process';

/** The cookie file is one umbra will not read for a port it only found; the message says why. */
export class CookieFileRefusedError extends Error {
	override name = 'CookieFileRefusedError';
}

export type CookieFileCheck = {
	/** Test knob: the owner (uid) of the file, for tests that cannot chown; default the file's. */
	ownerOf?: (path: string) => number | undefined;
};

const cookieBytes = 32;

/** The cookie's bytes, or a rejection: CookieFileRefusedError, or the file system's error. */
export async function readGuardedCookie(path: string, check: CookieFileCheck = {}): Promise<Uint8Array> {
	// O_NONBLOCK: a FIFO named as the cookie must not hang the open.
	const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
	try {
		const stat = await handle.stat();
		if (!stat.isFile()) {
			throw new CookieFileRefusedError(`cookie file ${path} is not a regular file`);
		}

		const owner = check.ownerOf ? check.ownerOf(path) : stat.uid;
		if (owner !== 0 && owner !== process.getuid?.()) {
			throw new CookieFileRefusedError(`cookie file ${path} belongs to another user (uid ${owner}), who could be posing as tor`);
		}

		const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
		if ((stat.mode & 0o004) !== 0) {
			throw new CookieFileRefusedError(`cookie file ${path} is readable by other users (mode ${mode}), so whoever answers could know it`);
		}

		if ((stat.mode & 0o022) !== 0) {
			throw new CookieFileRefusedError(`cookie file ${path} is writable by other users (mode ${mode}), so whoever answers could have set it`);
		}

		if (stat.size !== cookieBytes) {
			throw new CookieFileRefusedError(`cookie file ${path} has ${stat.size} bytes, not ${cookieBytes}`);
		}

		const bytes = new Uint8Array(cookieBytes);
		const {bytesRead} = await handle.read(bytes, 0, cookieBytes, 0);
		if (bytesRead !== cookieBytes) {
			throw new CookieFileRefusedError(`cookie file ${path} has ${bytesRead} bytes, not ${cookieBytes}`);
		}

		return bytes;
	} finally {
		await handle.close();
	}
}
