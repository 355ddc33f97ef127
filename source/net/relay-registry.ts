// The registry through pkarr relays over Tor: PUT and GET /<z-base32 key> with the BEP 44
// payload (relay-payload.ts). Every request dials through Tor's SOCKS port with fresh random
// credentials, so Tor puts it on a circuit of its own and no relay can tie two slots together
// by circuit or address; this process opens no UDP socket and resolves no name itself.
// A PUT goes to every usable relay; a GET asks them all and keeps the newest correctly signed
// value. A relay that fails (no answer, 5xx, 429, garbage) rests for a growing while.
import {randomBytes} from 'node:crypto';
import type {ConnectionOptions} from 'node:tls';
import {relayExchange, type RelayExchange, type RelayResponse, type StreamDialer} from './relay-http.js';
import {decodePayload, encodePayload, maxPayloadBytes, maxRelayValueBytes, relayPath, signItem} from './relay-payload.js';
import {RegistryError, type LookupResult, type PublishResult, type Registry, type RegistryItem} from './registry.js';
import {dialSocks, type SocksEndpoint} from './socks.js';

export type RelayHealth = {
	url: string;
	/** 'ok' before the first request too; 'backing-off' until `retryAt`. */
	state: 'ok' | 'backing-off';
	/** Why the last request failed, when the relay is backing off. */
	lastError?: string;
	retryAt?: number;
	failures: number;
};

export type RelayRegistryOptions = {
	/** Relay base URLs: http:// for .onion (and loopback in tests), https:// otherwise. */
	relays: readonly string[];
	/** Tor's SOCKS port, read at each request (a restarted tor may move it). */
	socks?: () => SocksEndpoint;
	/** Replaces the SOCKS dial (tests); still called once per request. */
	dial?: StreamDialer;
	/** One request, dial to last byte. Default 60 s: a first onion connect can take half of it. */
	requestTimeoutMs?: number;
	/** Once one relay answered a lookup, how long the others get to answer something newer. */
	lookupGraceMs?: number;
	/** Rest after a failure: first, doubling up to max. */
	backoffMs?: {first: number; max: number};
	/** CAs for https relays (a test CA); default the system's. */
	ca?: ConnectionOptions['ca'];
	now?: () => number;
};

type RelayState = {url: URL; failures: number; retryAt: number; lastError?: string};

/** Response headers are bounded by node:http; this bounds the body (a payload, or an error text). */
const maxResponseBytes = maxPayloadBytes + 1024;

/** Checks a relay URL and returns it normalised (no trailing slash); throws with what to change. */
export function parseRelayUrl(text: string): URL {
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		throw new RegistryError(`${JSON.stringify(text)} is not a relay URL; write it as https://host or http://….onion.`);
	}

	if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
		throw new RegistryError(`The relay URL ${text} may not hold credentials, a query or a fragment.`);
	}

	const host = url.hostname;
	const onion = /^[a-z2-7]{56}\.onion$/.test(host);
	const loopback = host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
	if (url.protocol === 'http:' && !onion && !loopback) {
		throw new RegistryError(`The relay ${text} is plain HTTP on the open Internet: a Tor exit could read and change it. Use https:// (or an .onion address).`);
	}

	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new RegistryError(`The relay URL ${text} must start with https:// (or http:// for an .onion address).`);
	}

	url.pathname = url.pathname.replace(/\/+$/, '');
	return url;
}

/** A SOCKS dial on a circuit of its own: Tor isolates streams by SOCKS username and password. */
export function isolatedSocksDialer(socks: () => SocksEndpoint, timeoutMs: number): StreamDialer {
	return async (destination, signal) => dialSocks({
		proxy: socks(),
		destination,
		isolation: {username: randomBytes(16).toString('hex'), password: randomBytes(16).toString('hex')},
		timeoutMs,
		signal,
	});
}

type Outcome = {kind: 'stored'} | {kind: 'refused'; reason: string} | {kind: 'failed'; reason: string; retryAfterMs?: number};

/** What one status code means for a PUT; the spec's codes by name, anything else by class. */
function putOutcome(response: RelayResponse): Outcome {
	const {status} = response;
	if (status >= 200 && status < 300) {
		return {kind: 'stored'};
	}

	const refusals: Record<number, string> = {
		400: 'refused the item as malformed (400)',
		409: 'holds a newer version of this item (409)',
		412: 'refused: the item changed meanwhile (412)',
		413: 'refused the item as too large (413)',
		428: 'is already publishing another version and wants If-Match (428)',
	};
	const refusal = refusals[status];
	return refusal ? {kind: 'refused', reason: refusal} : failure(response);
}

function failure(response: RelayResponse): Outcome {
	if (response.status === 429) {
		const seconds = Number(response.headers['retry-after']);
		return {kind: 'failed', reason: 'is rate limiting us (429)', ...(Number.isFinite(seconds) && seconds > 0 ? {retryAfterMs: Math.min(seconds, 3600) * 1000} : {})};
	}

	return {kind: 'failed', reason: response.status >= 500 ? `has a server error (${response.status})` : `answered with unexpected status ${response.status}`};
}

export class RelayRegistry implements Registry {
	readonly maxValueBytes = maxRelayValueBytes;
	readonly #relays: RelayState[];
	readonly #dial: StreamDialer;
	readonly #timeoutMs: number;
	readonly #graceMs: number;
	readonly #backoff: {first: number; max: number};
	readonly #now: () => number;
	readonly #tls: RelayExchange['tls'];
	readonly #closing = new AbortController();

	constructor(options: RelayRegistryOptions) {
		if (options.relays.length === 0) {
			throw new RegistryError('No registry relay is configured; name one with --registry-relay URL.');
		}

		this.#relays = [...new Set(options.relays)].map(text => ({url: parseRelayUrl(text), failures: 0, retryAt: 0}));
		this.#timeoutMs = options.requestTimeoutMs ?? 60_000;
		const {socks} = options;
		if (!options.dial && !socks) {
			throw new RegistryError('A relay registry needs Tor\'s SOCKS port (or a dialer).');
		}

		this.#dial = options.dial ?? isolatedSocksDialer(socks!, this.#timeoutMs);
		this.#graceMs = options.lookupGraceMs ?? 3000;
		this.#backoff = options.backoffMs ?? {first: 5000, max: 10 * 60_000};
		this.#now = options.now ?? Date.now;
		this.#tls = options.ca === undefined ? undefined : {ca: options.ca};
	}

	async start(): Promise<void> {
		// Nothing to bind or join: each request dials on its own.
	}

	/** Relays not resting after a failure. */
	usableRelays(): number {
		const now = this.#now();
		return this.#relays.filter(relay => relay.retryAt <= now).length;
	}

	health(): RelayHealth[] {
		const now = this.#now();
		return this.#relays.map(relay => ({
			url: relay.url.href.replace(/\/$/, ''),
			state: relay.retryAt > now ? 'backing-off' : 'ok',
			failures: relay.failures,
			...(relay.retryAt > now ? {retryAt: relay.retryAt, ...(relay.lastError ? {lastError: relay.lastError} : {})} : {}),
		}));
	}

	async publish(item: RegistryItem): Promise<PublishResult> {
		const {keyPair, value, seq} = item;
		if (!(keyPair.publicKey instanceof Uint8Array) || keyPair.publicKey.length !== 32 || !(keyPair.secretSeed instanceof Uint8Array) || keyPair.secretSeed.length !== 32) {
			throw new RegistryError('An item key pair is a 32-byte Ed25519 public key and its 32-byte seed.');
		}

		if (!(value instanceof Uint8Array) || value.length === 0 || value.length > maxRelayValueBytes) {
			throw new RegistryError(`A registry value must be 1 to ${maxRelayValueBytes} bytes, not ${value.length}.`);
		}

		if (!Number.isSafeInteger(seq) || seq < 0) {
			throw new RegistryError(`A registry seq must be a safe non-negative integer, not ${seq}.`);
		}

		const body = encodePayload({signature: signItem(keyPair.secretSeed, seq, value), seq, value});
		const relays = this.#usable();
		const outcomes = await Promise.all(relays.map(async relay => this.#request(relay, 'PUT', keyPair.publicKey, body).then(putOutcome, (error: unknown) => this.#networkFailure(error))));
		let stored = 0;
		const reasons: string[] = [];
		for (const [index, outcome] of outcomes.entries()) {
			const relay = relays[index]!;
			this.#record(relay, outcome);
			if (outcome.kind === 'stored') {
				stored++;
			} else {
				reasons.push(`${relay.url.host} ${outcome.reason}`);
			}
		}

		if (stored === 0) {
			throw new RegistryError(`No relay stored the item: ${reasons.join('; ')}.`);
		}

		return {stored};
	}

	async lookup(publicKey: Uint8Array): Promise<LookupResult | undefined> {
		if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32 || this.#closing.signal.aborted) {
			return undefined;
		}

		let relays: RelayState[];
		try {
			relays = this.#usable();
		} catch {
			return undefined;
		}

		let newest: LookupResult | undefined;
		await new Promise<void>(resolve => {
			let pending = relays.length;
			let grace: NodeJS.Timeout | undefined;
			const done = () => {
				clearTimeout(grace);
				resolve();
			};

			for (const relay of relays) {
				this.#lookupOne(relay, publicKey).then(found => {
					if (found && (!newest || found.seq > newest.seq)) {
						newest = found;
						grace ??= setTimeout(done, this.#graceMs);
					}
				}).finally(() => {
					if (--pending === 0) {
						done();
					}
				});
			}
		});
		return newest;
	}

	async #lookupOne(relay: RelayState, publicKey: Uint8Array): Promise<LookupResult | undefined> {
		let outcome: Outcome;
		let found: LookupResult | undefined;
		try {
			const response = await this.#request(relay, 'GET', publicKey);
			if (response.status === 200) {
				const item = decodePayload(publicKey, response.body);
				if (typeof item === 'string') {
					outcome = {kind: 'failed', reason: `sent an item that does not check out (${item})`};
				} else {
					outcome = {kind: 'stored'};
					found = {value: item.value, seq: item.seq};
				}
			} else if (response.status === 404 || (response.status >= 200 && response.status < 300)) {
				outcome = {kind: 'stored'};
			} else {
				outcome = response.status === 400 ? {kind: 'refused', reason: 'refused the key as malformed (400)'} : failure(response);
			}
		} catch (error) {
			outcome = this.#networkFailure(error);
		}

		this.#record(relay, outcome);
		return found;
	}

	#networkFailure(error: unknown): Outcome {
		return {kind: 'failed', reason: `could not be reached (${error instanceof Error ? error.message : String(error)})`};
	}

	/** Relays not resting; when all rest, an error that says until when, without touching the network. */
	#usable(): RelayState[] {
		if (this.#closing.signal.aborted) {
			throw new RegistryError('The relay registry is closed.');
		}

		const now = this.#now();
		const usable = this.#relays.filter(relay => relay.retryAt <= now);
		if (usable.length === 0) {
			const next = Math.min(...this.#relays.map(relay => relay.retryAt));
			const reasons = this.#relays.map(relay => `${relay.url.host} ${relay.lastError ?? 'failed'}`).join('; ');
			throw new RegistryError(`Every registry relay is resting after failures (${reasons}); the next try is in ${Math.ceil((next - now) / 1000)} s.`);
		}

		return usable;
	}

	#record(relay: RelayState, outcome: Outcome): void {
		if (outcome.kind !== 'failed') {
			relay.failures = 0;
			relay.retryAt = 0;
			delete relay.lastError;
			return;
		}

		relay.failures++;
		const rest = Math.min(this.#backoff.max, this.#backoff.first * (2 ** Math.min(relay.failures - 1, 20)));
		relay.retryAt = this.#now() + Math.max(rest, outcome.retryAfterMs ?? 0);
		relay.lastError = outcome.reason;
	}

	async #request(relay: RelayState, method: 'GET' | 'PUT', publicKey: Uint8Array, body?: Uint8Array): Promise<RelayResponse> {
		const url = new URL(relay.url.href);
		url.pathname = relay.url.pathname.replace(/\/$/, '') + relayPath(publicKey);
		return relayExchange({
			method,
			url,
			...(body ? {body} : {}),
			dial: this.#dial,
			timeoutMs: this.#timeoutMs,
			maxResponseBytes,
			...(this.#tls ? {tls: this.#tls} : {}),
			signal: this.#closing.signal,
		});
	}

	async close(): Promise<void> {
		this.#closing.abort();
	}
}
