// Where umbra keeps its files, and the one table of their names. The directory holds a secret
// key and the message store, so it is the user's alone (0700): a directory others can enter
// would let them watch file sizes and times, and one owned by someone else could be swapped
// under us.
import {chmodSync, existsSync, mkdirSync, statSync} from 'node:fs';
import {dirname, isAbsolute, join, resolve} from 'node:path';
import process from 'node:process';
import {dataFiles, type DataFile} from '../data-files.js';

export {dataFiles, type DataFile} from '../data-files.js';

export function dataFilePath(dataDir: string, file: DataFile): string {
	return join(dataDir, dataFiles[file]);
}

export class DataDirectoryError extends Error {
	override name = 'DataDirectoryError';
}

export type ResolveDataDirectoryOptions = {
	/** --data-dir, if given: wins over everything. */
	dataDir?: string;
	env: NodeJS.ProcessEnv;
	homedir: string;
};

/** --data-dir, else $XDG_DATA_HOME/umbra, else ~/.local/share/umbra (XDG base directory spec). */
export function resolveDataDirectory({dataDir, env, homedir}: ResolveDataDirectoryOptions): string {
	if (dataDir !== undefined && dataDir !== '') {
		return resolve(dataDir);
	}

	// The spec says a relative XDG_DATA_HOME is invalid and must be ignored.
	const xdg = env['XDG_DATA_HOME'];
	if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) {
		return join(xdg, 'umbra');
	}

	if (homedir === '') {
		throw new DataDirectoryError('Cannot tell where to keep umbra\'s data: there is no home directory and XDG_DATA_HOME is not set. Pass --data-dir DIR.');
	}

	return join(homedir, '.local', 'share', 'umbra');
}

export type PrepareDataDirectoryOptions = {
	/** The user the directory must belong to; production default: this process's user. */
	uid?: number;
};

/**
 * mkdir -p, one level at a time. Node 20's own `recursive: true` loops forever, at full CPU and
 * deaf to signals, where a parent exists but refuses children without saying so (under /proc it
 * gets ENOENT, then EEXIST, again and again); here each level is tried once.
 */
function makeDirectories(directory: string): void {
	const missing: string[] = [];
	let path = directory;
	while (!existsSync(path)) {
		missing.unshift(path);
		const parent = dirname(path);
		if (parent === path) {
			break;
		}

		path = parent;
	}

	for (const level of missing) {
		mkdirSync(level, {mode: 0o700});
	}
}

/**
 * Creates the directory (and its parents) with mode 0700, or tightens an existing one to 0700.
 * Refuses a path that is not a directory or belongs to another user.
 */
export function prepareDataDirectory(path: string, {uid = process.getuid?.()}: PrepareDataDirectoryOptions = {}): string {
	const directory = resolve(path);
	try {
		makeDirectories(directory);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EEXIST' || code === 'ENOTDIR') {
			throw new DataDirectoryError(`${directory} exists but is not a directory. Move it away or pick another --data-dir.`);
		}

		throw new DataDirectoryError(`Cannot create the data directory ${directory}: ${(error as Error).message}. Pick another --data-dir.`);
	}

	const stats = statSync(directory);
	if (!stats.isDirectory()) {
		throw new DataDirectoryError(`${directory} exists but is not a directory. Move it away or pick another --data-dir.`);
	}

	if (uid !== undefined && stats.uid !== uid) {
		throw new DataDirectoryError(`The data directory ${directory} belongs to another user (uid ${stats.uid}, you are ${uid}); umbra will not keep keys there. Pick another --data-dir, or fix the owner: chown -R "$(id -u)" ${directory}`);
	}

	if ((stats.mode & 0o777) !== 0o700) {
		chmodSync(directory, 0o700);
	}

	return directory;
}
