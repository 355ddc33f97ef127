// A private Tor network on 127.0.0.1 (directory authorities, relays, clients) made from the
// system's tor, for `umbra demo` and the tests. Launch order and options follow the measured
// recipe in docs/testing.md: keys first, then authorities and relays, then
// clients only once every relay serves a complete consensus. Nothing is started until
// startTorNetwork() is called, and every tor is stopped by its PID.
import {chmod, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {MissingSystemToolError, findExecutable, systemTools} from '../system-tools.js';
import {fetchConsensus, missingHsDirs} from './consensus.js';
import type {ClientDescription, RelayDescription, TorNetworkDescription} from './description.js';
import {requireTor, startTorClient, stopTorClient} from './tor-client.js';
import {makeAuthorityKeys} from './tor-keys.js';
import {freePort, launchTor, noticeLogTail, pollUntil, stopTor} from './tor-process.js';
import {authorityTorrc, networkLines, processLines, relayTorrc} from './torrc.js';

export type {ClientDescription, RelayDescription, TorNetworkDescription} from './description.js';
export {startTorClient, stopTorClient} from './tor-client.js';
export type {StartTorClientOptions} from './tor-client.js';

export type StartTorNetworkOptions = {
	/** Parent of the network's directory (default: the system's temporary directory). */
	readonly directory?: string;
	/** Onion-service circuits need at least 4 relays in all (authorities count as relays). */
	readonly authorities?: number;
	readonly relays?: number;
	readonly clients?: number;
	/** Every tor exits by itself (within 15 s) once this process is gone. */
	readonly ownerPid?: number;
	/** Bound on the whole start; measured 14–28 s on 2 cores. */
	readonly readyTimeoutMs?: number;
	readonly log?: (line: string) => void;
	readonly signal?: AbortSignal;
};

export type TorNetwork = {
	readonly description: TorNetworkDescription;
	/** Another client, joined and ready; stop() stops it too. */
	addClient(): Promise<ClientDescription>;
	/** Stops every tor this network started and removes its directory unless `keepDirectory`. */
	stop(options?: {keepDirectory?: boolean}): Promise<void>;
};

/** Thrown when the network does not come up in time; carries the notice log tails. */
export class TorNetworkStartError extends Error {
	/** The tors it had started, all stopped before this was thrown. */
	readonly stopped: ReadonlyArray<{readonly pid: number; readonly torrcPath: string}>;

	constructor(message: string, readonly directory: string, readonly logTails: string, stopped: ReadonlyArray<{readonly pid: number; readonly torrcPath: string}>, options?: ErrorOptions) {
		super(`${message}\nThe network's files are kept in ${directory}. Last notice log lines:\n${logTails}`, options);
		this.name = 'TorNetworkStartError';
		this.stopped = stopped;
	}
}

async function distinctFreePorts(count: number): Promise<number[]> {
	const ports = new Set<number>();
	while (ports.size < count) {
		ports.add(await freePort());
	}

	return [...ports];
}

async function logTails(dataDirectories: readonly string[]): Promise<string> {
	const tails = await Promise.all(dataDirectories.map(async directory => `--- ${directory}/notice.log ---\n${await noticeLogTail(directory, 8)}`));
	return tails.join('\n');
}

export async function startTorNetwork(options: StartTorNetworkOptions = {}): Promise<TorNetwork> {
	const {authorities: authorityCount = 3, relays: relayCount = 2, clients: clientCount = 2, ownerPid = process.pid, readyTimeoutMs = 180_000, signal} = options;
	const log = options.log ?? (() => {});
	if (authorityCount < 1 || authorityCount + relayCount < 4) {
		throw new RangeError(`a private Tor network needs at least 1 authority and 4 relays in all for onion services, not ${authorityCount} + ${relayCount}`);
	}

	const tor = requireTor();
	const torGencert = findExecutable(systemTools.torGencert.command);
	if (!torGencert) {
		throw new MissingSystemToolError([systemTools.torGencert]);
	}

	const started = Date.now();
	const deadline = started + readyTimeoutMs;
	const remaining = () => Math.max(1, deadline - Date.now());
	const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
	const parent = options.directory ?? tmpdir();
	await mkdir(parent, {recursive: true});
	const directory = await mkdtemp(join(parent, 'umbra-tor-network-'));
	await chmod(directory, 0o700);

	const nodeCount = authorityCount + relayCount;
	const ports = await distinctFreePorts(2 * nodeCount);
	const nodes = Array.from({length: nodeCount}, (_, index) => {
		const role = index < authorityCount ? 'authority' as const : 'relay' as const;
		const nickname = role === 'authority' ? `auth${index}` : `relay${index - authorityCount}`;
		const dataDirectory = join(directory, nickname);
		return {nickname, role, orPort: ports[2 * index]!, dirPort: ports[(2 * index) + 1]!, dataDirectory, torrcPath: join(dataDirectory, 'torrc')};
	});

	const running: RelayDescription[] = [];
	const clients: ClientDescription[] = [];
	const stopAll = async () => {
		await Promise.all([...clients.filter(Boolean).map(async client => stopTorClient(client)), ...running.filter(Boolean).map(async relay => stopTor(relay.pid, relay.torrcPath))]);
	};

	try {
		// RSA key generation dominates (about 1 s per authority), so in parallel.
		const authorityEntries = await Promise.all(nodes.filter(node => node.role === 'authority').map(async node => {
			await mkdir(node.dataDirectory, {mode: 0o700});
			return {...node, ...await makeAuthorityKeys({tor, torGencert}, node.dataDirectory, node.dirPort)};
		}));
		const network = networkLines(authorityEntries);
		for (const node of nodes) {
			await mkdir(node.dataDirectory, {recursive: true, mode: 0o700});
			const torrc = (node.role === 'authority' ? authorityTorrc : relayTorrc)({network, process: processLines({...node, ownerPid}), orPort: node.orPort, dirPort: node.dirPort});
			await writeFile(node.torrcPath, torrc, {mode: 0o600});
		}

		log(`keys and torrcs written in ${elapsed()}; launching ${authorityCount} authorities and ${relayCount} relays`);
		await Promise.all(nodes.map(async (node, index) => {
			running[index] = {...node, pid: await launchTor(tor, node.torrcPath, node.dataDirectory)};
		}));

		const relayNicknames = nodes.map(node => node.nickname);
		await Promise.all(nodes.map(async node => pollUntil(`${node.nickname} to serve a consensus listing every relay as HSDir`, async () => {
			const consensus = await fetchConsensus(node.dirPort);
			if (consensus === undefined) {
				throw new Error('no consensus yet');
			}

			const missing = missingHsDirs(consensus, relayNicknames);
			if (missing.length > 0) {
				throw new Error(`not yet HSDir: ${missing.join(', ')}`);
			}

			return true;
		}, {timeoutMs: remaining(), intervalMs: 500, signal})));
		log(`every relay serves a complete consensus after ${elapsed()}; launching ${clientCount} clients`);

		const description = {directory, torrcLines: network, relayNicknames, relays: running, clients};
		const clientOptions = () => ({ownerPid, readyTimeoutMs: remaining(), signal});
		await Promise.all(Array.from({length: clientCount}, async (_, index) => {
			clients[index] = await startTorClient(description, {...clientOptions(), nickname: `client${index}`, dataDirectory: join(directory, `client${index}`)});
		}));
		log(`network ready after ${elapsed()}`);

		let stopped = false;
		return {
			description,
			async addClient() {
				const client = await startTorClient(description, {ownerPid, nickname: `client${clients.length}`, dataDirectory: join(directory, `client${clients.length}`)});
				clients.push(client);
				return client;
			},
			async stop(stopOptions = {}) {
				if (stopped) {
					return;
				}

				stopped = true;
				await stopAll();
				if (!stopOptions.keepDirectory) {
					await rm(directory, {recursive: true, force: true});
				}
			},
		};
	} catch (error) {
		if (signal?.aborted) {
			// A cancel is not a failure: nothing to keep for debugging.
			await stopAll();
			await rm(directory, {recursive: true, force: true});
			throw error;
		}

		const tails = await logTails([...nodes.map(node => node.dataDirectory), ...Array.from({length: clientCount}, (_, index) => join(directory, `client${index}`))]);
		await stopAll();
		const stopped = [...running, ...clients].filter(Boolean).map(({pid, torrcPath}) => ({pid, torrcPath}));
		throw new TorNetworkStartError(`the private Tor network did not start (limit ${readyTimeoutMs} ms): ${(error as Error).message}`, directory, tails, stopped, {cause: error});
	}
}
