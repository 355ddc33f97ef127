// What a test file uses to reach the shared private Tor network that scripts/test.ts starts.
import {readFileSync} from 'node:fs';
import process from 'node:process';
import type {ClientDescription, TorNetworkDescription} from '../../source/net/testnet/tor-network.js';
import {TorControl} from '../../source/net/tor-control.js';
import {networkEnvironmentVariable} from './network-runner.js';

/**
 * The running network's description. The runner starts the network only for files whose text
 * contains "useTestNetwork(", so call it by that name.
 */
export function useTestNetwork(): TorNetworkDescription {
	const path = process.env[networkEnvironmentVariable];
	if (!path) {
		throw new Error(`${networkEnvironmentVariable} is not set: this test needs the private Tor network that the test runner starts. Run it with: node --import tsx scripts/test.ts <file>`);
	}

	const description = JSON.parse(readFileSync(path, 'utf8')) as TorNetworkDescription;
	if (description.clients.length < 2) {
		throw new Error(`the private Tor network described in ${path} has ${description.clients.length} client(s); the tests expect at least 2`);
	}

	return description;
}

/** An authenticated control connection to a client tor of the network; close it when done. */
export async function connectClientControl(client: ClientDescription): Promise<TorControl> {
	return TorControl.connect({host: '127.0.0.1', port: client.controlPort}, {password: client.password, authMethods: ['HASHEDPASSWORD']});
}
