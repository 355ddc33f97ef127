// The pkarr relay HTTP API in front of a DHT (`umbra relay`): PUT and GET /<z-base32 key> with
// sig || seq || v. Everything a client sends is parsed at the edge (relay-payload.ts) and
// bounded: body size, per-source request rate, cache entries, concurrent DHT work per key. The
// relay counts what it did and never records a key or a value (log lines carry counts only).
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {decodePayload, encodePayload, maxPayloadBytes, publicKeyFromPath, type SignedItem} from './relay-payload.js';

/** Where the relay stores and finds items: the DHT in production, anything in tests. */
export type RelayBackend = {
	/** Resolves with how many nodes stored it; rejects when none did (message may say 302 for an older seq). */
	put(item: SignedItem): Promise<number>;
	/** The newest correctly signed item, or undefined. */
	get(publicKey: Uint8Array): Promise<Omit<SignedItem, 'publicKey'> | undefined>;
};

export type RelayLimits = {
	/** Requests a source may make per minute (token bucket, refilled continuously). */
	requestsPerMinute: number;
	/** Items kept in memory, newest use last; the oldest goes when full. */
	cacheEntries: number;
	/** A cached item younger than this answers a GET without asking the DHT. */
	cacheFreshMs: number;
	/** Sources whose rate is tracked at once; the least recent is forgotten when full. */
	trackedSources: number;
};

export const defaultRelayLimits: RelayLimits = {requestsPerMinute: 120, cacheEntries: 10_000, cacheFreshMs: 60_000, trackedSources: 10_000};

export type RelayCounts = Record<'put' | 'get' | 'stored' | 'found' | 'notFound' | 'badRequest' | 'conflict' | 'tooLarge' | 'busy' | 'rateLimited' | 'failed', number>;

type Cached = {item: SignedItem; checkedAt: number};

const corsHeaders = {
	'access-control-allow-origin': '*',
	'access-control-allow-methods': 'GET, PUT, OPTIONS',
	'access-control-expose-headers': 'Pkarr-Dht-Stored-Nodes',
};

export class RelayService {
	readonly counts: RelayCounts = {put: 0, get: 0, stored: 0, found: 0, notFound: 0, badRequest: 0, conflict: 0, tooLarge: 0, busy: 0, rateLimited: 0, failed: 0};
	readonly #backend: RelayBackend;
	readonly #limits: RelayLimits;
	readonly #now: () => number;
	readonly #cache = new Map<string, Cached>();
	readonly #buckets = new Map<string, {tokens: number; at: number}>();
	readonly #putting = new Set<string>();
	readonly #getting = new Map<string, Promise<SignedItem | undefined>>();
	readonly #servers = new Set<Server>();

	constructor(options: {backend: RelayBackend; limits?: Partial<RelayLimits>; now?: () => number}) {
		this.#backend = options.backend;
		this.#limits = {...defaultRelayLimits, ...options.limits};
		this.#now = options.now ?? Date.now;
	}

	/**
	 * Serves on host:port. `source` names whom a request's rate counts against: the peer address
	 * for a TCP listener; for the onion's loopback listener every client looks alike (tor hides
	 * them), so all of them share one bucket.
	 */
	async listen(host: string, port: number, source: (request: IncomingMessage) => string = request => request.socket.remoteAddress ?? '?'): Promise<AddressInfo> {
		const server = createServer((request, response) => {
			this.#serve(request, response, source(request)).catch(() => {
				this.#answer(response, 500);
			});
		});
		server.headersTimeout = 10_000;
		server.requestTimeout = 30_000;
		server.keepAliveTimeout = 5000;
		server.maxHeadersCount = 32;
		server.maxConnections = 512;
		this.#servers.add(server);
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, host, () => {
				server.off('error', reject);
				resolve();
			});
		});
		return server.address() as AddressInfo;
	}

	async close(): Promise<void> {
		await Promise.all([...this.#servers].map(async server => new Promise<void>(resolve => {
			server.close(() => {
				resolve();
			});
			server.closeAllConnections();
		})));
		this.#servers.clear();
	}

	async #serve(request: IncomingMessage, response: ServerResponse, source: string): Promise<void> {
		// Every body is read before the answer: closing a connection with unread bytes resets it,
		// and the client loses the answer.
		const body = await readBody(request, maxPayloadBytes);
		if (body === 'too-large') {
			this.counts.tooLarge++;
			this.#answer(response, 413, {connection: 'close'});
			return;
		}

		if (request.method === 'OPTIONS') {
			this.#answer(response, 204);
			return;
		}

		if (!this.#allow(source)) {
			this.counts.rateLimited++;
			this.#answer(response, 429, {'retry-after': '60'});
			return;
		}

		const publicKey = publicKeyFromPath(request.url ?? '');
		if (request.method === 'GET') {
			this.counts.get++;
			await this.#get(publicKey, response);
			return;
		}

		if (request.method === 'PUT') {
			this.counts.put++;
			await this.#put(publicKey, body, response);
			return;
		}

		this.#answer(response, 405, {allow: 'GET, PUT, OPTIONS'});
	}

	async #get(publicKey: Uint8Array | undefined, response: ServerResponse): Promise<void> {
		if (!publicKey) {
			this.counts.badRequest++;
			this.#answer(response, 400, {}, 'The path must be / and a 52-character z-base32 Ed25519 public key.\n');
			return;
		}

		const name = Buffer.from(publicKey).toString('hex');
		const cached = this.#cache.get(name);
		let item = cached && this.#now() - cached.checkedAt < this.#limits.cacheFreshMs ? cached.item : undefined;
		if (!item) {
			// Concurrent GETs for one key share one DHT lookup.
			let lookup = this.#getting.get(name);
			if (!lookup) {
				lookup = this.#lookup(publicKey, name).finally(() => this.#getting.delete(name));
				this.#getting.set(name, lookup);
			}

			item = await lookup;
		}

		if (!item) {
			this.counts.notFound++;
			this.#answer(response, 404);
			return;
		}

		this.counts.found++;
		this.#answer(response, 200, {'content-type': 'application/pkarr.org/relays#payload', 'cache-control': 'public, max-age=60'}, encodePayload(item));
	}

	async #lookup(publicKey: Uint8Array, name: string): Promise<SignedItem | undefined> {
		const found = await this.#backend.get(publicKey).catch(() => undefined);
		const cached = this.#cache.get(name)?.item;
		const newest = found && (!cached || found.seq > cached.seq) ? {...found, publicKey} : cached;
		if (newest) {
			this.#remember(name, newest);
		}

		return newest;
	}

	async #put(publicKey: Uint8Array | undefined, body: Buffer, response: ServerResponse): Promise<void> {
		if (!publicKey) {
			this.counts.badRequest++;
			this.#answer(response, 400, {}, 'The path must be / and a 52-character z-base32 Ed25519 public key.\n');
			return;
		}

		const item = decodePayload(publicKey, body);
		if (typeof item === 'string') {
			this.counts[item === 'too-large' ? 'tooLarge' : 'badRequest']++;
			this.#answer(response, item === 'too-large' ? 413 : 400, {}, `The payload is not a signed item for this key (${item}).\n`);
			return;
		}

		const name = Buffer.from(publicKey).toString('hex');
		const cached = this.#cache.get(name)?.item;
		// The same item again is a republish: it goes to the DHT again, and nodes that hold it already are no failure.
		const again = cached?.seq === item.seq && Buffer.from(cached.value).equals(item.value);
		if (cached && !again && cached.seq >= item.seq) {
			this.counts.conflict++;
			this.#answer(response, 409, {}, 'A newer version of this item is already known.\n');
			return;
		}

		if (this.#putting.has(name)) {
			this.counts.busy++;
			this.#answer(response, 428, {}, 'Another version of this item is being published; try again shortly.\n');
			return;
		}

		this.#putting.add(name);
		try {
			const nodes = await this.#backend.put(item);
			this.#remember(name, item);
			this.counts.stored++;
			this.#answer(response, 204, {'pkarr-dht-stored-nodes': String(nodes)});
		} catch (error) {
			const older = error instanceof Error && /\b302\b/.test(error.message);
			if (older && again) {
				this.counts.stored++;
				this.#answer(response, 204, {'pkarr-dht-stored-nodes': '0'});
				return;
			}

			this.counts[older ? 'conflict' : 'failed']++;
			this.#answer(response, older ? 409 : 500, {}, older ? 'The DHT holds a newer version of this item.\n' : 'No DHT node stored the item; try again later.\n');
		} finally {
			this.#putting.delete(name);
		}
	}

	#remember(name: string, item: SignedItem): void {
		this.#cache.delete(name);
		this.#cache.set(name, {item, checkedAt: this.#now()});
		bound(this.#cache, this.#limits.cacheEntries);
	}

	#allow(source: string): boolean {
		const now = this.#now();
		const perMs = this.#limits.requestsPerMinute / 60_000;
		const bucket = this.#buckets.get(source) ?? {tokens: this.#limits.requestsPerMinute, at: now};
		bucket.tokens = Math.min(this.#limits.requestsPerMinute, bucket.tokens + ((now - bucket.at) * perMs));
		bucket.at = now;
		this.#buckets.delete(source);
		this.#buckets.set(source, bucket);
		bound(this.#buckets, this.#limits.trackedSources);
		if (bucket.tokens < 1) {
			return false;
		}

		bucket.tokens--;
		return true;
	}

	#answer(response: ServerResponse, status: number, headers: Record<string, string> = {}, body?: string | Uint8Array): void {
		if (response.headersSent || response.destroyed) {
			return;
		}

		response.writeHead(status, {...corsHeaders, ...headers, ...(body === undefined ? {} : {'content-length': String(Buffer.byteLength(body))})});
		response.end(body);
	}
}

/** Drops the oldest entries (insertion order) beyond `limit`. */
function bound(map: Map<string, unknown>, limit: number): void {
	while (map.size > limit) {
		const oldest = map.keys().next().value;
		if (oldest === undefined) {
			return;
		}

		map.delete(oldest);
	}
}

/** The body, or 'too-large' once it passes `limit`; the rest is then read and dropped (bounded by the server's request timeout). */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) {
				chunks.push(chunk);
			}
		});
		request.once('end', () => {
			resolve(size > limit ? 'too-large' : Buffer.concat(chunks));
		});
		request.once('error', reject);
		request.once('close', () => {
			reject(new Error('the client went away'));
		});
	});
}
