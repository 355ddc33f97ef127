// Which tor the engine uses (docs/design.md, "Tor"): the control port the user named; else a system
// tor on 9051, then Tor Browser's 9151; else a tor of umbra's own, started from PATH with a torrc
// in DATA_DIR/tor. Any local process can listen on the well-known ports and pose as tor, so a
// port found there is used only when it proves it is the tor that wrote its cookie (SAFECOOKIE,
// with a cookie file of root's or this user's that no other user can read) or takes the password
// the user gave; it is never sent a file's contents (COOKIE). The SOCKS port is the one named,
// or the one tor reports (GETINFO net/listeners/socks).
import {join} from 'node:path';
import process from 'node:process';
import type {SocksEndpoint} from '../../net/socks.js';
import {spawnTor, type SpawnedTor} from '../../net/own-tor.js';
import {findExecutable, installCommand, systemTools} from '../../net/system-tools.js';
import {describeEndpoint, TorControl, type ControlEndpoint} from '../../net/tor-control.js';

/** No tor could be reached or started; the message says what to do. */
export class TorUnreachableError extends Error {
	override name = 'TorUnreachableError';
}

export type TorAccessOptions = {
	dataDir: string;
	/** 'PORT', 'HOST:PORT' or a Unix socket path; undefined: discover, then start one. */
	torControl?: string;
	torControlPassword?: string;
	/** 'PORT' or 'HOST:PORT'; undefined: ask tor. */
	torSocks?: string;
	log?: (line: string) => void;
	/** The well-known ports to look for a system tor on; default 9051, then Tor Browser's 9151. */
	systemPorts?: readonly number[];
	/** More torrc lines for a tor of umbra's own (tests: the private network's authorities). */
	ownTorLines?: readonly string[];
	/** Where the tor program is; default a search of PATH (and the sbin directories). */
	findTor?: () => string | undefined;
	/** The owner (uid) of a cookie file; default the file's. Tests that cannot chown (not root) pass their own. */
	fileOwner?: (path: string) => number | undefined;
};

/** Where the control port is and how to authenticate to it on every connection. */
export type ControlAccess = {
	endpoint: ControlEndpoint;
	password?: string;
	/** Found on a well-known port: authenticate as AuthOptions.discovered says, every time. */
	discovered?: boolean;
};

/** Where the engine reaches tor: control port (and password) and SOCKS port. */
export type TorEndpoints = {endpoint: ControlEndpoint; password?: string; socks: SocksEndpoint};

export type TorAccess = {
	control: ControlAccess;
	socks: SocksEndpoint;
	/** Where it came from, for status lines (no secrets). */
	origin: 'named' | 'system' | 'own';
	/**
	 * Only for a tor of umbra's own: when it has died, starts it again and says where it listens
	 * now (its ports are picked anew); while it runs, where it already listens.
	 */
	relocate?: () => Promise<TorEndpoints>;
	/** Stops the tor umbra started, if any. */
	release(): Promise<void>;
};

const defaultSystemPorts = [9051, 9151];

export function parseControlEndpoint(text: string): ControlEndpoint {
	if (text.startsWith('/')) {
		return {path: text};
	}

	return parseHostPort(text, '--tor-control');
}

function parseHostPort(text: string, what: string): {host: string; port: number} {
	const match = /^(?:(.+):)?(\d{1,5})$/.exec(text.trim());
	const port = Number(match?.[2]);
	if (!match || !(port > 0 && port < 65_536)) {
		throw new TorUnreachableError(`${what} ${text}: expected PORT or HOST:PORT${what === '--tor-control' ? ' or a Unix socket path' : ''}, e.g. 9051.`);
	}

	return {host: (match[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1'), port};
}

/** Finds or starts tor, checks its control port, and learns its SOCKS port. */
export async function accessTor(options: TorAccessOptions): Promise<TorAccess> {
	const log = options.log ?? (() => undefined);
	const password = options.torControlPassword;
	const withPassword = password === undefined ? {} : {password};
	if (options.torControl !== undefined) {
		const endpoint = parseControlEndpoint(options.torControl);
		const control = await TorControl.connect(endpoint, {...withPassword, timeoutMs: 10_000}).catch((error: unknown) => {
			throw new TorUnreachableError(`Cannot use the tor control port ${describeEndpoint(endpoint)}: ${(error as Error).message}. Check that tor runs with "ControlPort ${options.torControl}" and cookie or password authentication, or leave --tor-control out to let umbra start its own tor.`);
		});
		return finish(control, {endpoint, ...withPassword}, 'named', async () => undefined);
	}

	for (const port of options.systemPorts ?? defaultSystemPorts) {
		const endpoint = {host: '127.0.0.1', port};
		const control = await provenSystemTor(endpoint, withPassword, options.fileOwner, log);
		if (control) {
			return finish(control, {endpoint, ...withPassword, discovered: true}, 'system', async () => undefined);
		}
	}

	const own = {dataDir: options.dataDir, extraLines: options.ownTorLines ?? [], torPath: (options.findTor ?? (() => findExecutable(systemTools.tor.command)))(), log};
	let tor = await startSpawnedTor(own);
	const endpoint = {host: '127.0.0.1', port: tor.controlPort};
	try {
		const control = await TorControl.connect(endpoint, {timeoutMs: 10_000});
		const access = await finish(control, {endpoint}, 'own', async () => tor.stop());
		let located: TorEndpoints = {endpoint, socks: access.socks};
		access.relocate = async () => {
			if (isAlive(tor.pid)) {
				return located;
			}

			log('the tor of umbra\'s own has died; starting it again');
			await tor.stop();
			tor = await startSpawnedTor(own);
			const next = {host: '127.0.0.1', port: tor.controlPort};
			const control = await TorControl.connect(next, {timeoutMs: 10_000});
			try {
				located = {endpoint: next, socks: await socksOf(control)};
			} finally {
				await control.close().catch(() => undefined);
			}

			return located;
		};

		return access;
	} catch (error) {
		await tor.stop();
		throw error;
	}

	async function finish(control: TorControl, where: TorAccess['control'], origin: TorAccess['origin'], release: () => Promise<void>): Promise<TorAccess> {
		try {
			const socks = options.torSocks === undefined ? await socksOf(control) : parseHostPort(options.torSocks, '--tor-socks');
			return {control: where, socks, origin, release};
		} catch (error) {
			await release();
			throw error;
		} finally {
			await control.close().catch(() => undefined);
		}
	}
}

/** A tor on a well-known port, if it proves itself (see AuthOptions.discovered); undefined otherwise, with a log line why. */
async function provenSystemTor(endpoint: {host: string; port: number}, withPassword: {password?: string}, fileOwner: ((path: string) => number | undefined) | undefined, log: (line: string) => void): Promise<TorControl | undefined> {
	try {
		return await TorControl.connect(endpoint, {...withPassword, discovered: true, ...(fileOwner ? {cookieFileCheck: {ownerOf: fileOwner}} : {}), timeoutMs: 5000});
	} catch (error) {
		log(`not using the tor control port ${describeEndpoint(endpoint)} (name it with --tor-control to use it anyway): ${(error as Error).message}`);
		return undefined;
	}
}

async function socksOf(control: TorControl): Promise<SocksEndpoint> {
	const info = await control.getInfo('net/listeners/socks');
	const first = /"?([\d.]+|\[[\da-f:]+\]):(\d+)"?/i.exec(info['net/listeners/socks'] ?? '');
	if (!first) {
		throw new TorUnreachableError('This tor has no SOCKS port. Add "SocksPort 9050" to its torrc, or name one with --tor-socks.');
	}

	return {host: first[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(first[2])};
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

async function startSpawnedTor({dataDir, extraLines, torPath, log}: {dataDir: string; extraLines: readonly string[]; torPath: string | undefined; log: (line: string) => void}): Promise<SpawnedTor> {
	if (torPath === undefined) {
		throw new TorUnreachableError(`No tor is running that umbra may use, and there is no tor program to start. Install it: ${installCommand([systemTools.tor])}`);
	}

	log('starting a tor of umbra\'s own');
	try {
		return await spawnTor({directory: join(dataDir, 'tor'), network: true, controlSocket: false, keepDataOnStop: true, startTimeoutMs: 30_000, extraLines, torPath});
	} catch (error) {
		throw new TorUnreachableError(`umbra could not start tor: ${(error as Error).message}`);
	}
}
