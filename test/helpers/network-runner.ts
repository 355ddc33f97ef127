// The test runner's side of the shared private Tor network: one network for the whole run,
// owned by the runner's PID (so every tor exits by itself if the runner dies), described in a
// JSON file whose path test files find in UMBRA_TEST_NETWORK (see ./network.ts).
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import process from 'node:process';
import {startTorNetwork} from '../../source/net/testnet/tor-network.js';
import type {TorNetwork} from '../../source/net/testnet/tor-network.js';

export const networkEnvironmentVariable = 'UMBRA_TEST_NETWORK';

export type RunNetwork = {
	readonly descriptionPath: string;
	/** Stops every tor by PID; removes the network's files when the tests passed, keeps and names them otherwise. */
	stop(testsPassed: boolean): Promise<void>;
};

/**
 * Starts the network, once more with a fresh directory if the first start fails (the likely
 * cause is a port taken between picking and binding it), and writes its description.
 */
export async function startTestNetworkForRun(root: string, log: (line: string) => void): Promise<RunNetwork> {
	const start = async () => startTorNetwork({directory: join(root, 'test-artifacts'), ownerPid: process.pid, log: line => log(`tor network: ${line}`)});
	let network: TorNetwork;
	try {
		network = await start();
	} catch (error) {
		log(`the private Tor network failed to start; retrying once with a fresh directory.\n${(error as Error).message}`);
		network = await start();
	}

	const {directory, relays, clients} = network.description;
	log(`tor network: ${directory}, tor PIDs ${[...relays, ...clients].map(node => node.pid).join(' ')}`);
	const descriptionPath = join(directory, 'network.json');
	await writeFile(descriptionPath, `${JSON.stringify(network.description, undefined, '\t')}\n`);
	return {
		descriptionPath,
		async stop(testsPassed) {
			await network.stop({keepDirectory: !testsPassed});
			if (!testsPassed) {
				log(`tests failed: the private Tor network's files (torrcs, notice logs) are kept in ${directory}`);
			}
		},
	};
}
