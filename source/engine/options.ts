// What an Engine is made of. Tor and the registry are either given (the caller started them and
// closes them after stop()) or found when start() runs and released by stop(): openEngine
// finds them (a system tor or one of umbra's own, the DHT); tests on the private network give them.
import type {Certificate, Identity} from '../keys/index.js';
import type {Registry} from '../net/registry.js';
import type {SocksEndpoint} from '../net/socks.js';
import type {ControlEndpoint} from '../net/tor-control.js';
import type {OwnPresence} from './api.js';
import type {Clock, Scheduler} from './clock.js';
import type {Random} from './session/index.js';
import type {RegistryView} from './registry/index.js';
import type {Store} from './store/index.js';
import type {TorEndpoints} from './tor/index.js';

export type EngineNetwork = {
	/** relocate: where tor is after it died (a tor of umbra's own is started again); discovered: see ControlAccess. */
	torControl: {endpoint: ControlEndpoint; password?: string; discovered?: boolean; relocate?: () => Promise<TorEndpoints>};
	socks: SocksEndpoint;
	registry: Registry;
	/** How the registry is reached, for the status view. */
	registryView?: () => RegistryView;
	/** Settles when the registry has joined its network; start() fails if it rejects. */
	registryStarted?: Promise<void>;
	/** Stops what was started for the engine (the registry, a tor of umbra's own). */
	release?: () => Promise<void>;
};

export type EngineSettings = {
	identity: Identity;
	/** Opened by the caller, who closes it after stop(). */
	store: Store;
	/** Every contact's certificate; default: read from the store at start. */
	contacts?: readonly Certificate[];
	/** Come online towards these fingerprints only (umbra send): publish for and dial no one else. */
	only?: readonly string[];
	/** Keyservers for fetchCertificate; read on each lookup, so a changed setting counts at once. */
	keyservers?: () => readonly string[];
	/** Refresh every contact's key from the keyservers once in this many hours (node/key-refresh.ts); 0 or none: never. */
	keyRefreshHours?: number;
	clock?: Clock;
	scheduler?: Scheduler;
	random?: Random;
	/** Debug lines; never message text (onion addresses and fingerprints only when the user asked). */
	log?: (line: string) => void;
	/** First lookup retry delay and its cap; default 1 s and 30 s. */
	lookupBackoffMs?: {first: number; max: number};
	/** Passed to the Publisher: how widely the first writes are spread; default 15 s. */
	publishWindowMs?: number;
	tickMs?: number;
	/** Rotate the onion address about once a day (at a random hour); default true. */
	dailyRotation?: boolean;
	/** How long the old onion stays up after an onion-change frame went out; default 5 s. */
	rotationGraceMs?: number;
	/** Start invisible: no contact is published for or dialed, not even for a moment. */
	invisible?: boolean;
	/** The state to start in, for this run only; default: the one last set (kept in the store), else online. */
	presence?: OwnPresence;
	/** How long a session that may be stale gets to answer a ping; default 5 s. */
	probeTimeoutMs?: number;
	/** First delay between reconnects to a lost tor and its cap; default 500 ms and 5 s. */
	torReconnectDelayMs?: {first: number; max: number};
};

/** Tor and the registry given, or `network` finds them when start() runs. */
export type EngineOptions = EngineSettings & (EngineNetwork | {network: () => Promise<EngineNetwork>});
