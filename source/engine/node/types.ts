// The Engine's options, its status snapshot and its per-contact state (engine.ts).
import type {Certificate, Identity} from '../../keys/index.js';
import type {Registry} from '../../net/registry.js';
import type {SocksEndpoint} from '../../net/socks.js';
import type {ControlEndpoint} from '../../net/tor-control.js';
import type {Clock, Scheduler} from '../clock.js';
import type {Random} from '../session/index.js';
import type {StreamRunner} from './stream-runner.js';
import type {Store} from '../store/index.js';
import type {TorEndpoints} from '../tor/index.js';

export type EngineOptions = {
	identity: Identity;
	/** Opened by the caller, who closes it after stop(). */
	store: Store;
	/** Default: every contact in the store. */
	contacts?: readonly Certificate[];
	/** relocate: where tor is after it died (a tor of umbra's own is started again); discovered: see ControlAccess. */
	torControl: {endpoint: ControlEndpoint; password?: string; discovered?: boolean; relocate?: () => Promise<TorEndpoints>};
	socks: SocksEndpoint;
	/** Started by the caller, who closes it after stop(). */
	registry: Registry;
	clock?: Clock;
	scheduler?: Scheduler;
	random?: Random;
	/** Debug lines; never onion addresses, fingerprints or message text. */
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
	/** How long a session that may be stale gets to answer a ping; default 5 s. */
	probeTimeoutMs?: number;
	/** First delay between reconnects to a lost tor and its cap; default 500 ms and 5 s. */
	torReconnectDelayMs?: {first: number; max: number};
};

/** Own state the views show; see EngineApi.status(). */
export type EngineSnapshot = {
	torProgress: number;
	torSummary: string;
	torConnected: boolean;
	onionUp: boolean;
	onionSince: number | undefined;
	lastPublishedAt: number | undefined;
	invisible: boolean;
};

export type Peer = {
	certificate: Certificate;
	hidden: boolean;
	/** SOCKS credentials that put this contact's streams on circuits of their own. */
	isolation: {username: string; password: string};
	session: StreamRunner | undefined;
	dialing: boolean;
	/** Aborts the dial (and its handshake) in flight when the contact is cut off. */
	dialAbort: AbortController | undefined;
	backoffMs: number;
	lookupTimer: unknown;
	/** Where an onion-change frame said the contact moved; dialed before a registry lookup. */
	movedTo: {onion: string; port: number} | undefined;
	/** A new session's outbox resend is queued: new messages wait for it, to keep the order. */
	resendPending: boolean;
};
