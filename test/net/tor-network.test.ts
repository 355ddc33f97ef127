// The private Tor network harness itself: it stays on loopback, its consensus outlives a
// CPU-starved stretch, a client can join from another process and restart by PID, and a start
// that fails says why and leaves no tor behind.
import {strict as assert} from 'node:assert';
import {mkdtemp, readFile, readdir, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, test} from 'node:test';
import {fetchConsensus} from '../../source/net/testnet/consensus.js';
import {TorNetworkStartError, startTorClient, startTorNetwork, stopTorClient} from '../../source/net/testnet/tor-network.js';
import {isOurTor} from '../../source/net/testnet/tor-process.js';
import {consensusIntervalsValid, votingIntervalSeconds} from '../../source/net/testnet/torrc.js';
import {connectClientControl, useTestNetwork} from '../helpers/network.js';

describe('the private Tor network', () => {
	const network = useTestNetwork();

	test('every address in every notice log is on 127.0.0.1', async () => {
		const entries = await readdir(network.directory, {withFileTypes: true});
		const logs = entries.filter(entry => entry.isDirectory()).map(entry => join(network.directory, entry.name, 'notice.log'));
		const seen = new Set<string>();
		for (const path of logs) {
			const text = await readFile(path, 'utf8').catch(() => '');
			for (const match of text.matchAll(/\b(\d{1,3}(?:\.\d{1,3}){3}):\d+/g)) {
				seen.add(match[1]!);
			}

			assert.doesNotMatch(text, /fallback/i, `${path} mentions fallback directories`);
		}

		assert.deepEqual([...seen], ['127.0.0.1'], `addresses in ${logs.length} notice logs`);
	});

	test(`the consensus is valid for ${consensusIntervalsValid} voting intervals, not tor's testing default of 2`, async () => {
		const relay = network.relays[0]!;
		const consensus = await fetchConsensus(relay.dirPort);
		assert.ok(consensus, `${relay.nickname} serves a consensus`);
		// Lines like "valid-after 2026-11-23 02:38:40", in UTC.
		const time = (keyword: string) => Date.parse(`${new RegExp(`^${keyword} (\\S+) (\\S+)$`, 'm').exec(consensus)?.slice(1).join('T') ?? 'missing'}Z`);
		assert.equal((time('valid-until') - time('valid-after')) / 1000, consensusIntervalsValid * votingIntervalSeconds);
		assert.equal((time('fresh-until') - time('valid-after')) / 1000, votingIntervalSeconds);
	});

	test('a client started from this process joins, stops by PID, and restarts from its data directory', async t => {
		const directory = await mkdtemp(join(network.directory, 'extra-'));
		let client = await startTorClient(network, {directory, readyTimeoutMs: 120_000});
		try {
			const control = await connectClientControl(client);
			try {
				assert.equal((await control.bootstrapPhase()).progress, 100);
			} finally {
				await control.close();
			}

			await stopTorClient(client);
			assert.equal(await isOurTor(client.pid, client.torrcPath), false, `tor ${client.pid} is gone`);

			const restarting = Date.now();
			client = await startTorClient(network, {dataDirectory: client.dataDirectory, password: client.password});
			t.diagnostic(`restart from the same data directory ready in ${Date.now() - restarting} ms`);
			assert.ok(await isOurTor(client.pid, client.torrcPath), 'the restarted tor runs');
		} finally {
			await stopTorClient(client);
			assert.equal(await isOurTor(client.pid, client.torrcPath), false);
			await rm(directory, {recursive: true, force: true});
		}
	});

	test('a start that runs out of time names the logs and leaves no tor running', async () => {
		const parent = await mkdtemp(join(tmpdir(), 'umbra-failed-start-'));
		try {
			let stopped: TorNetworkStartError['stopped'] = [];
			await assert.rejects(startTorNetwork({directory: parent, clients: 0, readyTimeoutMs: 1}), (error: unknown) => {
				assert.ok(error instanceof TorNetworkStartError, String(error));
				// Every node is polled at once; whichever times out first is named.
				assert.match(error.message, /timed out after \d+ ms waiting for (auth|relay)\d to serve a consensus/);
				assert.match(error.message, /notice\.log ---\n.*\[notice\]/);
				stopped = error.stopped;
				return true;
			});
			assert.equal(stopped.length, 5, 'it had started 3 authorities and 2 relays');
			for (const {pid, torrcPath} of stopped) {
				assert.equal(await isOurTor(pid, torrcPath), false, `tor ${pid} (${torrcPath}) was stopped`);
			}

			assert.equal((await readdir(parent)).length, 1, 'the failed network keeps its directory');
		} finally {
			await rm(parent, {recursive: true, force: true});
		}
	});
});
