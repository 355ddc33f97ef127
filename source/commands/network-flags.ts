// The network flags (--tor-control, --tor-socks, --dht-bootstrap, --registry, --registry-relay)
// of every command that starts the engine: spelled once, checked and parsed once into the
// options openEngine takes.
import type {OpenEngineOptions} from '../engine/index.js';
import {stringFlag, stringsFlag, UsageError, type CommandContext, type FlagSpecs} from './command.js';

export const networkFlags: FlagSpecs = {
	torControl: {type: 'string', valueName: 'PORT|PATH', description: 'Tor control port or socket (default: 9051, then 9151, else start tor)'},
	torSocks: {type: 'string', valueName: 'PORT', description: 'Tor SOCKS port (default: asked from Tor)'},
	dhtBootstrap: {type: 'string', isMultiple: true, valueName: 'HOST:PORT', description: 'DHT bootstrap node (repeatable; default: the public mainline DHT routers); without --registry-relay it chooses --registry direct'},
	registry: {type: 'string', valueName: 'MODE', choices: ['relay', 'direct'], description: 'relay: reach the registry through pkarr relays over Tor (default; no UDP from this machine); direct: join the DHT from this IP address'},
	registryRelay: {type: 'string', isMultiple: true, valueName: 'URL', description: 'pkarr relay to reach the registry through, over Tor (repeatable; https://, or http:// for .onion; default: the registryRelays setting)'},
};

type NetworkOptions = Pick<OpenEngineOptions, 'torControl' | 'torSocks' | 'dhtBootstrap' | 'registry' | 'registryRelays'>;

/** A port, or HOST:PORT, with the port in 1..65535; the flag's name goes into the error. */
function checkHostPort(value: string, flag: string, hostRequired: boolean): void {
	const match = /^(?:(.+):)?(\d+)$/.exec(value);
	const port = match ? Number(match[2]) : Number.NaN;
	if (!match || (hostRequired && match[1] === undefined) || !(port >= 1 && port <= 65_535)) {
		throw new UsageError(`${flag} ${value}: expected ${hostRequired ? 'HOST:PORT' : 'PORT or HOST:PORT'} with a port from 1 to 65535.`);
	}
}

/** The network flags as openEngine takes them; unset flags are left out. */
export function networkOptions(context: CommandContext): NetworkOptions {
	const torControl = stringFlag(context, 'torControl');
	const torSocks = stringFlag(context, 'torSocks');
	const dhtBootstrap = stringsFlag(context, 'dhtBootstrap');
	const registry = stringFlag(context, 'registry');
	const registryRelays = stringsFlag(context, 'registryRelay');
	if (torSocks !== undefined) {
		checkHostPort(torSocks, '--tor-socks', false);
	}

	for (const node of dhtBootstrap) {
		checkHostPort(node, '--dht-bootstrap', true);
	}

	if (registry === 'direct' && registryRelays.length > 0) {
		throw new UsageError('--registry direct joins the DHT itself: drop --registry-relay, or use --registry relay.');
	}

	return {
		...(torControl === undefined ? {} : {torControl}),
		...(torSocks === undefined ? {} : {torSocks}),
		...(dhtBootstrap.length === 0 ? {} : {dhtBootstrap}),
		...(registry === 'direct' || registry === 'relay' ? {registry} : {}),
		...(registryRelays.length === 0 ? {} : {registryRelays}),
	};
}
