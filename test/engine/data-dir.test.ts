import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {after, before, describe, it} from 'node:test';
import {DataDirectoryError, dataFilePath, dataFiles, prepareDataDirectory, resolveDataDirectory} from '../../source/engine/profile/data-dir.js';
import {acquireLock, LockedError, processIsAlive} from '../../source/engine/profile/lock.js';

let root: string;
before(() => {
	root = mkdtempSync(join(tmpdir(), 'umbra-data-dir-'));
});
after(() => {
	rmSync(root, {recursive: true, force: true});
});

describe('resolveDataDirectory', () => {
	it('prefers --data-dir, then $XDG_DATA_HOME/umbra, then ~/.local/share/umbra', () => {
		assert.equal(resolveDataDirectory({dataDir: '/srv/u', env: {XDG_DATA_HOME: '/x'}, homedir: '/home/a'}), '/srv/u');
		assert.equal(resolveDataDirectory({env: {XDG_DATA_HOME: '/x/data'}, homedir: '/home/a'}), '/x/data/umbra');
		assert.equal(resolveDataDirectory({env: {}, homedir: '/home/a'}), '/home/a/.local/share/umbra');
	});

	it('ignores an empty or relative XDG_DATA_HOME, as the XDG spec says', () => {
		assert.equal(resolveDataDirectory({env: {XDG_DATA_HOME: ''}, homedir: '/home/a'}), '/home/a/.local/share/umbra');
		assert.equal(resolveDataDirectory({env: {XDG_DATA_HOME: 'rel/data'}, homedir: '/home/a'}), '/home/a/.local/share/umbra');
	});

	it('makes a relative --data-dir absolute', () => {
		assert.equal(resolveDataDirectory({dataDir: 'here', env: {}, homedir: '/home/a'}), join(process.cwd(), 'here'));
	});

	it('says what to do when there is no home at all', () => {
		assert.throws(() => resolveDataDirectory({env: {}, homedir: ''}), /--data-dir/);
	});
});

describe('prepareDataDirectory', () => {
	it('creates the directory and its parents with mode 0700', () => {
		const directory = join(root, 'a', 'b', 'umbra');
		assert.equal(prepareDataDirectory(directory), directory);
		assert.equal(statSync(directory).mode & 0o777, 0o700);
	});

	it('tightens an existing directory to 0700', () => {
		const directory = join(root, 'loose');
		mkdirSync(directory, {mode: 0o755});
		prepareDataDirectory(directory);
		assert.equal(statSync(directory).mode & 0o777, 0o700);
	});

	it('refuses a directory owned by another user, and a file in the way', () => {
		const directory = join(root, 'theirs');
		mkdirSync(directory, {mode: 0o700});
		const someoneElse = statSync(directory).uid + 1;
		assert.throws(() => prepareDataDirectory(directory, {uid: someoneElse}), (error: Error) => error instanceof DataDirectoryError && /another user/.test(error.message) && error.message.includes(directory));
		const file = join(root, 'a-file');
		writeFileSync(file, '');
		assert.throws(() => prepareDataDirectory(file), /not a directory/);
	});

	it('names every file in one table', () => {
		assert.equal(dataFilePath('/d', 'store'), '/d/store.db');
		assert.equal(new Set(Object.values(dataFiles)).size, Object.keys(dataFiles).length);
	});
});

function waitForLine(child: ChildProcess, line: string, timeoutMs = 10_000): Promise<void> {
	return new Promise((resolve, reject) => {
		let seen = '';
		const timer = setTimeout(() => reject(new Error(`child did not print "${line}" within ${timeoutMs} ms; stdout: ${seen}`)), timeoutMs);
		child.stdout?.on('data', (chunk: Buffer) => {
			seen += chunk.toString();
			if (seen.split('\n').includes(line)) {
				clearTimeout(timer);
				resolve();
			}
		});
		child.on('exit', code => {
			clearTimeout(timer);
			reject(new Error(`child exited (${code}) before printing "${line}"; stdout: ${seen}`));
		});
	});
}

function exited(child: ChildProcess): Promise<number | null> {
	return new Promise(resolve => {
		if (child.exitCode !== null || child.signalCode !== null) {
			resolve(child.exitCode);
		} else {
			child.on('exit', code => resolve(code));
		}
	});
}

describe('acquireLock', () => {
	it('lets one process in and tells a second which PID holds the directory', async () => {
		const directory = prepareDataDirectory(join(root, 'locked'));
		const holder = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'children', 'lock-holder.ts'), directory], {stdio: ['pipe', 'pipe', 'inherit']});
		try {
			await waitForLine(holder, 'locked');
			assert.throws(() => acquireLock(directory), (error: Error) => {
				assert.ok(error instanceof LockedError);
				assert.equal(error.pid, holder.pid);
				assert.match(error.message, new RegExp(`another umbra \\(pid ${holder.pid}\\) is using ${directory}; stop it or pick another --data-dir`, 'i'));
				return true;
			});
		} finally {
			holder.stdin?.end();
			assert.equal(await exited(holder), 0);
		}

		// The holder released on exit: now we can take it.
		assert.equal(existsSync(dataFilePath(directory, 'lock')), false);
		const lock = acquireLock(directory);
		assert.equal(readFileSync(lock.path, 'utf8').trim(), String(process.pid));
		lock.release();
		lock.release();
		assert.equal(existsSync(lock.path), false);
	});

	it('takes over a stale lock whose process is dead', async () => {
		const directory = prepareDataDirectory(join(root, 'stale'));
		const dead = spawn(process.execPath, ['-e', ''], {stdio: 'ignore'});
		await exited(dead);
		assert.ok(dead.pid !== undefined && !processIsAlive(dead.pid));
		writeFileSync(dataFilePath(directory, 'lock'), `${dead.pid}\n`);
		const lock = acquireLock(directory);
		assert.equal(readFileSync(lock.path, 'utf8').trim(), String(process.pid));
		lock.release();
	});

	it('takes over a lock file with garbage in it, and refuses a second lock in the same process', () => {
		const directory = prepareDataDirectory(join(root, 'garbage'));
		writeFileSync(dataFilePath(directory, 'lock'), '');
		const lock = acquireLock(directory);
		assert.throws(() => acquireLock(directory), LockedError);
		lock.release();
	});

	it('uses the injected liveness check', () => {
		const directory = prepareDataDirectory(join(root, 'injected'));
		writeFileSync(dataFilePath(directory, 'lock'), '424242\n');
		assert.throws(() => acquireLock(directory, {isAlive: () => true}), /pid 424242/);
		const lock = acquireLock(directory, {isAlive: () => false, pid: 777});
		assert.equal(readFileSync(lock.path, 'utf8').trim(), '777');
		lock.release();
		assert.equal(existsSync(lock.path), false);
	});
});
