// The registry on the BitTorrent mainline DHT: BEP 44 mutable items without salt, signed and
// verified with node:crypto's native Ed25519. DHT traffic is plain UDP, which Tor cannot
// carry: the nodes see this machine's IP address, though only unlinkable slot keys and
// opaque, equally long values.
import {createHash, sign as edSign, verify as edVerify, type KeyObject} from 'node:crypto';
import {createSocket, type Socket} from 'node:dgram';
import DHT, {type GetResult} from 'bittorrent-dht';
import {rawPrivateKey, rawPublicKey} from '../keys/raw-keys.js';
import {guardSocket} from './krpc-guard.js';
import {RegistryError, type LookupResult, type PublishResult, type Registry, type RegistryItem} from './registry.js';

/** The public mainline routers: the production default, never used by tests. */
export const mainlineBootstrapNodes: readonly string[] = Object.freeze([
	'router.bittorrent.com:6881',
	'router.utorrent.com:6881',
	'dht.transmissionbt.com:6881',
	'dht.libtorrent.org:25401',
]);

/**
 * BEP 44 allows 1000 bytes of bencoded `v`; "996:" plus 996 bytes is exactly that, so 996 raw
 * bytes pass every implementation (libtorrent counts the bencoded form).
 */
export const maxValueBytes = 996;
/** What we accept from others: bittorrent-dht stores up to 1000 raw bytes. */
const maxReceivedValueBytes = 1000;

/** A bounded map: when full, the oldest entry goes. Enough for per-key KeyObject caches. */
class BoundedCache<V> {
	readonly #entries = new Map<string, V>();
	constructor(readonly limit: number) {}

	get(key: string, make: () => V): V {
		const cached = this.#entries.get(key);
		if (cached !== undefined) {
			return cached;
		}

		const value = make();
		if (this.#entries.size >= this.limit) {
			const oldest = this.#entries.keys().next().value;
			if (oldest !== undefined) {
				this.#entries.delete(oldest);
			}
		}

		this.#entries.set(key, value);
		return value;
	}
}

const isBytes = (value: unknown, length?: number): value is Uint8Array =>
	value instanceof Uint8Array && (length === undefined || value.length === length);

/**
 * A synchronous BEP 44 verifier for bittorrent-dht's `verify` option: Ed25519 through
 * node:crypto with cached public KeyObjects. Never throws: bad input is simply `false`.
 */
export function createBep44Verify(cacheSize = 4096): (signature: unknown, message: Uint8Array, publicKey: unknown) => boolean {
	const keys = new BoundedCache<KeyObject | null>(cacheSize);
	return (signature, message, publicKey) => {
		if (!isBytes(signature, 64) || !isBytes(publicKey, 32) || !isBytes(message)) {
			return false;
		}

		try {
			const key = keys.get(Buffer.from(publicKey).toString('hex'), () => {
				try {
					return rawPublicKey('ed25519', publicKey);
				} catch {
					return null;
				}
			});
			return key !== null && edVerify(null, message, key, signature);
		} catch {
			return false;
		}
	};
}

/** What a BEP 44 signature covers for an item without salt: bencoded seq and v, without d...e. */
export function bep44SignedBytes(seq: number, value: Uint8Array): Buffer {
	return Buffer.concat([Buffer.from(`3:seqi${seq}e1:v${value.length}:`, 'latin1'), value]);
}

export type DhtRegistryOptions = {
	/** 'host:port' peers to join through, or false to start a network of one. Default: the public routers. */
	bootstrap?: readonly string[] | false;
	/** Address to bind, e.g. '127.0.0.1' in tests. Default: all interfaces. */
	host?: string;
	/** UDP port to bind. Default: any free port. */
	port?: number;
	/** A UDP socket to use instead of a new one (tests wrap it to capture traffic). */
	socket?: Socket;
	/** Give up on one publish or lookup after this long. */
	operationTimeoutMs?: number;
	/** How many KRPC queries the node keeps in flight (bittorrent-dht default: 16). */
	concurrency?: number;
};

export class DhtRegistry implements Registry {
	readonly maxValueBytes = maxValueBytes;
	readonly #options: DhtRegistryOptions;
	readonly #verify = createBep44Verify();
	readonly #signingKeys = new BoundedCache<KeyObject>(4096);
	#dht: DHT | undefined;
	#closed = false;
	/** Datagrams the guard dropped as malformed. */
	droppedDatagrams = 0;

	constructor(options: DhtRegistryOptions = {}) {
		this.#options = options;
	}

	/** Binds the socket and bootstraps; resolves once the routing table is populated. */
	async start(): Promise<void> {
		if (this.#dht || this.#closed) {
			throw new RegistryError('This DhtRegistry was already started; make a new one.');
		}

		const socket = guardSocket(this.#options.socket ?? createSocket('udp4'), () => {
			this.droppedDatagrams++;
		});
		const bootstrap = this.#options.bootstrap ?? mainlineBootstrapNodes;
		const dht = new DHT({
			bootstrap: bootstrap === false ? false : [...bootstrap],
			verify: this.#verify,
			socket,
			...(this.#options.concurrency ? {concurrency: this.#options.concurrency} : {}),
		});
		this.#dht = dht;
		// Without listeners an 'error' event would throw; a bind failure is reported by start().
		dht.on('warning', () => undefined);
		const ready = new Promise<void>((resolve, reject) => {
			dht.once('error', reject);
			dht.once('ready', () => {
				dht.off('error', reject);
				resolve();
			});
		});
		dht.on('error', () => undefined);
		// Bind in this tick: bittorrent-dht bootstraps on the next one, from whatever socket it has.
		dht.listen(this.#options.port ?? 0, this.#options.host);
		try {
			await ready;
		} catch (error) {
			await this.close();
			throw new RegistryError(`Could not open the DHT socket (${error instanceof Error ? error.message : String(error)}). Choose another port or host.`);
		}
	}

	/** The bound UDP address, once started. */
	address(): {host: string; port: number} | undefined {
		if (!this.#dht?.listening) {
			return undefined;
		}

		const {address, port} = this.#dht.address();
		return {host: address, port};
	}

	nodeCount(): number {
		return this.#dht?.nodes.count() ?? 0;
	}

	async publish(item: RegistryItem): Promise<PublishResult> {
		const dht = this.#dht;
		if (!dht || this.#closed) {
			throw new RegistryError('The DHT registry is not running; start() it first.');
		}

		const {keyPair, value, seq} = item;
		if (!isBytes(keyPair.publicKey, 32) || !isBytes(keyPair.secretSeed, 32)) {
			throw new RegistryError('An item key pair is a 32-byte Ed25519 public key and its 32-byte seed.');
		}

		if (!isBytes(value) || value.length === 0 || value.length > maxValueBytes) {
			throw new RegistryError(`A registry value must be 1 to ${maxValueBytes} bytes, not ${value.length}.`);
		}

		if (!Number.isSafeInteger(seq) || seq < 0) {
			throw new RegistryError(`A registry seq must be a safe non-negative integer, not ${seq}.`);
		}

		const seed = keyPair.secretSeed;
		const privateKey = this.#signingKeys.get(Buffer.from(seed).toString('hex'), () =>
			rawPrivateKey('ed25519', seed));
		const sign = (message: Buffer) => new Uint8Array(edSign(null, message, privateKey));
		try {
			const stored = await this.#withTimeout<number>('publish', (resolve, reject) => {
				dht.put({k: Buffer.from(keyPair.publicKey), v: Buffer.from(value), seq, sign}, (error, _hash, nodes) => {
					if (error) {
						reject(error);
					} else {
						resolve(nodes);
					}
				});
			});
			return {stored};
		} catch (error) {
			throw error instanceof RegistryError ? error : new RegistryError(`No DHT node stored the item (${error instanceof Error ? error.message : String(error)}).`);
		}
	}

	async lookup(publicKey: Uint8Array): Promise<LookupResult | undefined> {
		const dht = this.#dht;
		if (!dht || this.#closed || !isBytes(publicKey, 32)) {
			return undefined;
		}

		const target = createHash('sha1').update(publicKey).digest();
		try {
			// cache:false: the local store is not a source (bittorrent-dht would return it unverified).
			const result = await this.#withTimeout<GetResult | null>('lookup', (resolve, reject) => {
				dht.get(target, {cache: false}, (error, value) => {
					if (error) {
						reject(error);
					} else {
						resolve(value);
					}
				});
			});
			return this.#checked(result, publicKey);
		} catch {
			return undefined;
		}
	}

	/** Checks a result again ourselves: right key, sizes, seq, and the signature over exactly these bytes. */
	#checked(result: GetResult | null, publicKey: Uint8Array): LookupResult | undefined {
		if (!result || typeof result !== 'object') {
			return undefined;
		}

		const {v, k, sig, seq} = result;
		if (!isBytes(v) || v.length === 0 || v.length > maxReceivedValueBytes || !isBytes(k, 32) || !Buffer.from(k).equals(publicKey)) {
			return undefined;
		}

		if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0 || result.salt !== undefined) {
			return undefined;
		}

		if (!this.#verify(sig, bep44SignedBytes(seq, v), k)) {
			return undefined;
		}

		return {value: new Uint8Array(v), seq};
	}

	#withTimeout<T>(what: string, run: (resolve: (value: T) => void, reject: (error: Error) => void) => void): Promise<T> {
		const timeoutMs = this.#options.operationTimeoutMs ?? 30_000;
		return new Promise<T>((resolve, reject) => {
			const timer = setTimeout(() => {
				reject(new RegistryError(`The DHT ${what} took longer than ${timeoutMs} ms.`));
			}, timeoutMs);
			const settle = <A>(action: (argument: A) => void) => (argument: A) => {
				clearTimeout(timer);
				action(argument);
			};

			try {
				run(settle(resolve), settle(reject));
			} catch (error) {
				settle(reject)(error instanceof Error ? error : new Error(String(error)));
			}
		});
	}

	async close(): Promise<void> {
		this.#closed = true;
		const dht = this.#dht;
		if (!dht || dht.destroyed) {
			return;
		}

		await new Promise<void>(resolve => {
			try {
				dht.destroy(() => {
					resolve();
				});
			} catch {
				// The socket never bound (start failed): nothing is open.
				resolve();
			}
		});
	}
}
