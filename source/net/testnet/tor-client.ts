// A client tor of the private network, also startable from another process than the one that
// started the network (a test that kills and restarts "its" tor), given the network's description.
import {randomBytes} from 'node:crypto';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import process from 'node:process';
import {MissingSystemToolError, findExecutable, systemTools} from '../system-tools.js';
import {TorControl} from '../tor-control.js';
import {missingHsDirs} from './consensus.js';
import type {ClientDescription, TorNetworkDescription} from './description.js';
import {clientTorrc, processLines} from './torrc.js';
import {hashControlPassword} from './tor-keys.js';
import {launchTor, noticeLogTail, pollUntil, stopTor} from './tor-process.js';

export type StartTorClientOptions = {
	/** Where to make a new data directory (default: the network's directory). */
	readonly directory?: string;
	/** Reuse this data directory, e.g. to restart a stopped client with its cached consensus. */
	readonly dataDirectory?: string;
	/** Tor exits by itself when this process dies (default: this process). */
	readonly ownerPid?: number;
	readonly nickname?: string;
	/** Control password; a random one by default. */
	readonly password?: string;
	/** Bound on launch plus readiness (default 120 s). */
	readonly readyTimeoutMs?: number;
	readonly signal?: AbortSignal;
	/** Fixed ports instead of auto, so a restart (same dataDirectory) answers on the same ones. */
	readonly controlPort?: number;
	readonly socksPort?: number;
};

export function requireTor(): string {
	const tor = findExecutable(systemTools.tor.command);
	if (!tor) {
		throw new MissingSystemToolError([systemTools.tor]);
	}

	return tor;
}

async function readControlPort(dataDirectory: string): Promise<number | undefined> {
	const text = await readFile(join(dataDirectory, 'control-port'), 'utf8');
	const port = /^PORT=127\.0\.0\.1:(\d+)$/m.exec(text)?.[1];
	return port === undefined ? undefined : Number(port);
}

/**
 * Waits until the client can serve onion tests: bootstrapped to 100 % and its own consensus
 * lists every relay as HSDir (100 % alone was seen 11 s before the HSDir flags arrived).
 * Returns the SOCKS port tor picked. One control connection throughout: a new one per poll
 * logs a notice each time.
 */
async function waitForClientReady(options: {controlPort: number; password: string; relayNicknames: readonly string[]; timeoutMs: number; signal?: AbortSignal}): Promise<number> {
	const deadline = Date.now() + options.timeoutMs;
	const remaining = () => Math.max(1, deadline - Date.now());
	const control = await TorControl.connect({host: '127.0.0.1', port: options.controlPort}, {password: options.password, authMethods: ['HASHEDPASSWORD'], timeoutMs: Math.min(remaining(), 10_000)});
	try {
		const polling = {timeoutMs: remaining(), intervalMs: 200, signal: options.signal};
		await pollUntil('bootstrap to reach 100 %', async () => ((await control.bootstrapPhase()).progress === 100 ? true : undefined), polling);
		await pollUntil(`the client's consensus to list ${options.relayNicknames.join(', ')} as HSDir`, async () => {
			const missing = missingHsDirs((await control.getInfo('ns/all'))['ns/all'] ?? '', options.relayNicknames);
			if (missing.length > 0) {
				throw new Error(`not yet HSDir: ${missing.join(', ')}`);
			}

			return true;
		}, {...polling, timeoutMs: remaining()});
		const listeners = (await control.getInfo('net/listeners/socks'))['net/listeners/socks'] ?? '';
		const port = /127\.0\.0\.1:(\d+)/.exec(listeners)?.[1];
		if (port === undefined) {
			throw new Error(`tor reports no SOCKS listener on 127.0.0.1 (net/listeners/socks = ${listeners})`);
		}

		return Number(port);
	} finally {
		await control.close();
	}
}

/** Starts a client tor joined to the described network and waits until it is ready for onion services. */
export async function startTorClient(network: TorNetworkDescription, options: StartTorClientOptions = {}): Promise<ClientDescription> {
	const tor = requireTor();
	const timeoutMs = options.readyTimeoutMs ?? 120_000;
	const started = Date.now();
	const dataDirectory = options.dataDirectory ?? await mkdtemp(join(options.directory ?? network.directory, 'client-'));
	await mkdir(dataDirectory, {recursive: true, mode: 0o700});
	const nickname = options.nickname ?? `client${randomBytes(3).toString('hex')}`;
	const password = options.password ?? randomBytes(16).toString('hex');
	const torrcPath = join(dataDirectory, 'torrc');
	await writeFile(torrcPath, clientTorrc({
		network: network.torrcLines,
		process: processLines({nickname, dataDirectory, ownerPid: options.ownerPid ?? process.pid}),
		dataDirectory,
		hashedPassword: await hashControlPassword(tor, password),
		...(options.controlPort === undefined ? {} : {controlPort: options.controlPort}),
		...(options.socksPort === undefined ? {} : {socksPort: options.socksPort}),
	}), {mode: 0o600});
	// A restart must not read the port and PID files the killed tor left behind.
	await Promise.all(['control-port', 'pid'].map(async name => rm(join(dataDirectory, name), {force: true})));

	const pid = await launchTor(tor, torrcPath, dataDirectory);
	try {
		const controlPort = await pollUntil('the control port file', async () => readControlPort(dataDirectory), {timeoutMs: 10_000, intervalMs: 50});
		const socksPort = await waitForClientReady({controlPort, password, relayNicknames: network.relayNicknames, timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)), signal: options.signal});
		return {nickname, pid, socksPort, controlPort, cookieFile: join(dataDirectory, 'control_auth_cookie'), password, dataDirectory, torrcPath};
	} catch (error) {
		await stopTor(pid, torrcPath);
		throw new Error(`client tor in ${dataDirectory} did not become ready: ${(error as Error).message}\n--- ${dataDirectory}/notice.log ---\n${await noticeLogTail(dataDirectory)}`, {cause: error});
	}
}

/** Stops a client tor by its PID; its data directory stays (for a restart, or for the network's stop to remove). */
export async function stopTorClient(client: Pick<ClientDescription, 'pid' | 'torrcPath'>): Promise<void> {
	await stopTor(client.pid, client.torrcPath);
}
