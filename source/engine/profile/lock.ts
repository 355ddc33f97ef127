// One engine per data directory: two engines on one store would interleave writes to the outbox
// and publish two onion addresses for one identity. The lock is a file holding the owner's PID,
// created atomically (written under a temporary name, then hard-linked into place, which fails
// if the lock exists: so nobody ever reads a half-written PID). A lock whose process is gone
// (kill -9, power loss) is taken over.
import {linkSync, readFileSync, renameSync, unlinkSync, writeFileSync} from 'node:fs';
import process from 'node:process';
import {dataFilePath} from './data-dir.js';

export class LockedError extends Error {
	override name = 'LockedError';
	constructor(readonly pid: number, readonly dataDir: string, readonly lockPath: string) {
		super(`Another umbra (pid ${pid}) is using ${dataDir}; stop it or pick another --data-dir. (If no umbra is running, delete ${lockPath}.)`);
	}
}

export type Lock = {
	readonly path: string;
	/** Removes the lock if it is still ours; safe to call twice. */
	release(): void;
};

export type AcquireLockOptions = {
	/** The PID written into the lock; production default: this process. */
	pid?: number;
	/** Whether a PID is a running process; production default: process.kill(pid, 0). */
	isAlive?: (pid: number) => boolean;
};

/** Signal 0 checks existence only. EPERM means the process exists but is someone else's. */
export function processIsAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

function readPid(path: string): number | undefined {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
			return undefined;
		}

		throw error;
	}

	const pid = Number.parseInt(text.trim(), 10);
	// Garbage in the lock file counts as a dead owner (PID 0 is never a real owner).
	return Number.isSafeInteger(pid) && pid > 0 ? pid : 0;
}

function tryLink(from: string, to: string): boolean {
	try {
		linkSync(from, to);
		return true;
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return false;
		}

		throw error;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// Already gone: nothing to clean.
	}
}

export function acquireLock(dataDir: string, {pid = process.pid, isAlive = processIsAlive}: AcquireLockOptions = {}): Lock {
	const path = dataFilePath(dataDir, 'lock');
	const temporary = `${path}.${pid}.tmp`;
	writeFileSync(temporary, `${pid}\n`, {mode: 0o600});
	try {
		// A few rounds: each lost race against another starter means the lock changed hands.
		for (let attempt = 0; attempt < 5; attempt++) {
			if (tryLink(temporary, path)) {
				return makeLock(path, pid);
			}

			const owner = readPid(path);
			if (owner === undefined) {
				continue;
			}

			if (owner === pid || (owner > 0 && isAlive(owner))) {
				throw new LockedError(owner, dataDir, path);
			}

			// Stale. Move it aside rather than unlink: rename is atomic, so of two starters that
			// both saw the stale lock only one moves it; the other finds the file gone or new.
			const aside = `${path}.${pid}.stale`;
			try {
				renameSync(path, aside);
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
					continue;
				}

				throw error;
			}

			const moved = readPid(aside);
			if (moved !== owner) {
				// Someone replaced the stale lock between our read and our rename: put theirs back.
				tryLink(aside, path);
			}

			unlinkQuietly(aside);
		}

		const owner = readPid(path) ?? 0;
		throw new LockedError(owner, dataDir, path);
	} finally {
		unlinkQuietly(temporary);
	}
}

function makeLock(path: string, pid: number): Lock {
	let released = false;
	return {
		path,
		release() {
			if (released) {
				return;
			}

			released = true;
			// Only remove the lock if it is still ours (someone may have deleted and retaken it).
			if (readPid(path) === pid) {
				unlinkQuietly(path);
			}
		},
	};
}
