// The checked read of a cookie file a found control port names: only a 32-byte regular file of
// this user's (or root's) that no other user can read or change is read.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {after, describe, it} from 'node:test';
import {CookieFileRefusedError, readGuardedCookie} from '../../source/net/cookie-file.js';

describe('readGuardedCookie', () => {
	const directory = mkdtempSync('/tmp/umbra-cookie-');
	after(() => rmSync(directory, {recursive: true, force: true}));
	const cookieAt = (name: string, mode: number, bytes = randomBytes(32)) => {
		const path = join(directory, name);
		writeFileSync(path, bytes);
		chmodSync(path, mode);
		return {path, bytes};
	};

	const refused = (pattern: RegExp) => (error: unknown) => {
		assert.ok(error instanceof CookieFileRefusedError, `expected a CookieFileRefusedError, got ${String(error)}`);
		assert.match(error.message, pattern);
		return true;
	};

	it('reads a 0600 or group-readable 0640 cookie of this user\'s', async () => {
		for (const mode of [0o600, 0o640, 0o400]) {
			const {path, bytes} = cookieAt(`ok-${mode.toString(8)}`, mode);
			assert.deepEqual(Buffer.from(await readGuardedCookie(path)), bytes);
		}
	});

	it('refuses a file other users can read or write, naming its mode', async () => {
		await assert.rejects(readGuardedCookie(cookieAt('world-readable', 0o644).path), refused(/readable by other users \(mode 0644\)/));
		await assert.rejects(readGuardedCookie(cookieAt('group-writable', 0o660).path), refused(/writable by other users \(mode 0660\)/));
		await assert.rejects(readGuardedCookie(cookieAt('world-writable', 0o602).path), refused(/writable by other users \(mode 0602\)/));
	});

	it('refuses another user\'s file, a wrong size, a directory and a FIFO (without hanging on it)', async () => {
		const mine = cookieAt('owned', 0o600);
		await assert.rejects(readGuardedCookie(mine.path, {ownerOf: () => 65_534}), refused(/belongs to another user \(uid 65534\)/));
		assert.deepEqual(Buffer.from(await readGuardedCookie(mine.path, {ownerOf: () => process.getuid!()})), mine.bytes);
		await assert.rejects(readGuardedCookie(cookieAt('short', 0o600, randomBytes(31)).path), refused(/has 31 bytes, not 32/));
		await assert.rejects(readGuardedCookie(directory), refused(/is not a regular file/));
		const fifo = join(directory, 'fifo');
		execFileSync('mkfifo', ['-m', '600', fifo]);
		await assert.rejects(readGuardedCookie(fifo), refused(/is not a regular file/));
		await assert.rejects(readGuardedCookie(join(directory, 'missing')), {code: 'ENOENT'});
	});
});
