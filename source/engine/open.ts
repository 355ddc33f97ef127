// openEngine: the Engine on a user's profile, as the TUI, the bot and the one-shot commands run
// it. It finds tor when the engine starts (tor/access.ts: the one named, a system tor, or one of
// umbra's own) and the registry (relays over Tor, or the DHT directly: registry/choice.ts), both
// released when the engine stops. Nothing here logs an
// onion address, a fingerprint or message text unless debug is on.
import type {EngineApi, OwnPresence} from './api.js';
import type {Clock} from './clock.js';
import {Engine} from './engine.js';
import type {EngineNetwork} from './options.js';
import type {Profile} from './profile/index.js';
import {afterStart, chooseRegistry, type RegistryMode} from './registry/index.js';
import type {Random} from './session/index.js';
import {accessTor} from './tor/index.js';

export type OpenEngineOptions = {
	profile: Profile;
	/** 'PORT', 'HOST:PORT' or a Unix socket path; undefined: 9051, then 9151, else a tor of umbra's own. */
	torControl?: string;
	torControlPassword?: string;
	/** 'PORT' or 'HOST:PORT'; undefined: the one tor reports. */
	torSocks?: string;
	/** 'host:port' DHT nodes to join through; undefined: the public routers. */
	dhtBootstrap?: string[];
	/** 'relay' (relays over Tor) or 'direct' (the DHT from this IP); undefined: relay, unless dhtBootstrap is named without registryRelays. */
	registry?: RegistryMode;
	/** pkarr relay URLs; undefined or empty: the registryRelays setting. */
	registryRelays?: string[];
	/** Come online towards these fingerprints only (umbra send): publish for and dial no one else. */
	only?: string[];
	/** The state to start in, for this run only; default: the one last set (kept in the store), else online. */
	presence?: OwnPresence;
	/** Debug lines (may hold onion addresses and fingerprints: only when the user asked). */
	debug?: (line: string) => void;
	/** Test knobs: where a system tor is looked for; torrc lines for a tor of umbra's own. */
	systemTorPorts?: readonly number[];
	ownTorLines?: readonly string[];
	fileOwner?: (path: string) => number | undefined;
	publishWindowMs?: number;
	lookupBackoffMs?: {first: number; max: number};
	rotationGraceMs?: number;
	clock?: Clock;
	random?: Random;
};

/** A not-yet-started engine on the profile; start() finds tor and the registry. */
export async function openEngine(options: OpenEngineOptions): Promise<EngineApi> {
	const {profile, debug} = options;
	// The contacts' keys are read from the store at start (contact-book.ts), expired and revoked ones too.
	return new Engine({
		identity: profile.identity,
		store: profile.store,
		keyservers: () => profile.settings.get('keyservers'),
		keyRefreshHours: profile.settings.get('keyRefreshHours'),
		network: async () => findNetwork(options),
		...(options.only === undefined ? {} : {only: options.only}),
		...(options.presence === undefined ? {} : {presence: options.presence}),
		...(debug ? {log: debug} : {}),
		...(options.clock === undefined ? {} : {clock: options.clock}),
		...(options.random === undefined ? {} : {random: options.random}),
		...(options.publishWindowMs === undefined ? {} : {publishWindowMs: options.publishWindowMs}),
		...(options.lookupBackoffMs === undefined ? {} : {lookupBackoffMs: options.lookupBackoffMs}),
		...(options.rotationGraceMs === undefined ? {} : {rotationGraceMs: options.rotationGraceMs}),
	});
}

async function findNetwork(options: OpenEngineOptions): Promise<EngineNetwork> {
	const {profile, debug} = options;
	const tor = await accessTor({
		dataDir: profile.dataDir,
		...(options.torControl === undefined ? {} : {torControl: options.torControl}),
		...(options.torControlPassword === undefined ? {} : {torControlPassword: options.torControlPassword}),
		...(options.torSocks === undefined ? {} : {torSocks: options.torSocks}),
		...(debug ? {log: debug} : {}),
		...(options.systemTorPorts === undefined ? {} : {systemPorts: options.systemTorPorts}),
		...(options.ownTorLines === undefined ? {} : {ownTorLines: options.ownTorLines}),
		...(options.fileOwner === undefined ? {} : {fileOwner: options.fileOwner}),
	});
	// Relay requests go through Tor's SOCKS port, which moves when a tor of umbra's own is started again.
	let socks = tor.socks;
	const {relocate} = tor;
	let chosen;
	try {
		chosen = chooseRegistry({
			...(options.registry === undefined ? {} : {registry: options.registry}),
			...(options.registryRelays === undefined ? {} : {registryRelays: options.registryRelays}),
			...(options.dhtBootstrap === undefined ? {} : {dhtBootstrap: options.dhtBootstrap}),
			settingsRelays: profile.settings.get('registryRelays'),
			socks: () => socks,
		});
	} catch (error) {
		// A relay list it refuses (a bad URL): the tor found or started above goes too.
		await tor.release().catch(() => undefined);
		throw error;
	}

	const {registry, view} = chosen;
	// The registry joins its network while tor uploads the onion descriptor: both take seconds on
	// the real networks (many DHT nodes a bootstrap meets are gone and time out).
	const registryStarted = registry.start();
	registryStarted.catch(() => undefined);
	return {
		// A tor of umbra's own is started again where it died; the engine takes its new SOCKS port.
		torControl: {
			...tor.control,
			...(relocate
				? {
					async relocate() {
						const located = await relocate();
						socks = located.socks;
						return located;
					},
				}
				: {}),
		},
		socks: tor.socks,
		registry: afterStart(registry, registryStarted),
		registryView: view,
		registryStarted,
		async release() {
			await registry.close().catch(() => undefined);
			await tor.release();
		},
	};
}
