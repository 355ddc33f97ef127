// The network flags (--tor-control, --tor-socks, --dht-bootstrap) of every command that starts
// the engine: spelled once, parsed once into the options openEngine takes.
import {stringFlag, stringsFlag, type CommandContext, type FlagSpecs} from './command.js';

export const networkFlags: FlagSpecs = {
	torControl: {type: 'string', valueName: 'PORT|PATH', description: 'Tor control port or socket (default: 9051, then 9151, else start tor)'},
	torSocks: {type: 'string', valueName: 'PORT', description: 'Tor SOCKS port (default: asked from Tor)'},
	dhtBootstrap: {type: 'string', isMultiple: true, valueName: 'HOST:PORT', description: 'DHT bootstrap node (repeatable; default: the public mainline DHT routers)'},
};

type NetworkOptions = {torControl?: string; torSocks?: string; dhtBootstrap?: string[]};

/** The network flags as openEngine takes them; unset flags are left out. */
export function networkOptions(context: CommandContext): NetworkOptions {
	const torControl = stringFlag(context, 'torControl');
	const torSocks = stringFlag(context, 'torSocks');
	const dhtBootstrap = stringsFlag(context, 'dhtBootstrap');
	return {
		...(torControl === undefined ? {} : {torControl}),
		...(torSocks === undefined ? {} : {torSocks}),
		...(dhtBootstrap.length === 0 ? {} : {dhtBootstrap}),
	};
}
