// Which registry an engine talks to. Relays over Tor are the default: the process then opens no
// UDP socket and resolves no name itself, and a relay learns slot keys and values but not who
// asked. The direct DHT is an explicit choice (--registry direct, or naming --dht-bootstrap
// without --registry-relay, as private swarms do): every DHT node it meets sees this IP address.
import {DhtRegistry} from '../../net/dht-registry.js';
import type {Registry} from '../../net/registry.js';
import {RelayRegistry, type RelayHealth} from '../../net/relay-registry.js';
import type {SocksEndpoint} from '../../net/socks.js';

export type RegistryMode = 'direct' | 'relay';

export type RegistryChoiceOptions = {
	registry?: RegistryMode;
	/** --registry-relay URLs; when empty, the registryRelays setting. */
	registryRelays?: readonly string[];
	settingsRelays: readonly string[];
	dhtBootstrap?: readonly string[];
	/** Tor's SOCKS port, read at each relay request. */
	socks: () => SocksEndpoint;
};

export type RegistryView = {mode: 'direct'} | {mode: 'relay'; relays: RelayHealth[]};

export type ChosenRegistry = {registry: Registry; mode: RegistryMode; view: () => RegistryView};

export function chooseRegistryMode(options: Pick<RegistryChoiceOptions, 'registry' | 'registryRelays' | 'dhtBootstrap'>): RegistryMode {
	if (options.registry) {
		return options.registry;
	}

	const namedRelays = (options.registryRelays?.length ?? 0) > 0;
	return !namedRelays && (options.dhtBootstrap?.length ?? 0) > 0 ? 'direct' : 'relay';
}

export function chooseRegistry(options: RegistryChoiceOptions): ChosenRegistry {
	const mode = chooseRegistryMode(options);
	if (mode === 'direct') {
		const {dhtBootstrap} = options;
		const registry = new DhtRegistry({
			...(dhtBootstrap === undefined ? {} : {bootstrap: dhtBootstrap}),
			...(dhtBootstrap?.every(node => node.startsWith('127.0.0.1:')) ? {host: '127.0.0.1'} : {}),
		});
		return {registry, mode, view: () => ({mode})};
	}

	const relays = (options.registryRelays?.length ?? 0) > 0 ? options.registryRelays! : options.settingsRelays;
	const registry = new RelayRegistry({relays, socks: options.socks});
	return {registry, mode, view: () => ({mode, relays: registry.health()})};
}
