// bittorrent-dht 11 ships no types. This covers what umbra uses: BEP 44 mutable items, node
// lifecycle, and the events tests wait on. Everything a peer sends arrives as `unknown` shapes:
// the library passes decoded bencode through without checking it.
declare module 'bittorrent-dht' {
	import {EventEmitter} from 'node:events';
	import type {Socket} from 'node:dgram';

	/** Synchronous BEP 44 signature check: (signature, bencoded "salt/seq/v" without d...e, public key). */
	export type Verify = (signature: unknown, message: Uint8Array, publicKey: unknown) => boolean;

	export type DhtOptions = {
		nodeId?: Uint8Array | string;
		/** 'host:port' strings or {host, port}; false for none. Default: the public routers. */
		bootstrap?: Array<string | {host: string; port: number}> | false;
		host?: string | false;
		concurrency?: number;
		/** Per-query timeout in ms (k-rpc-socket, default 2000). */
		timeout?: number;
		maxValues?: number;
		maxTables?: number;
		verify?: Verify;
		/** A UDP socket for k-rpc-socket to use instead of creating one. */
		socket?: Socket;
		k?: number;
	};

	export type MutablePut = {
		k: Uint8Array;
		v: Uint8Array;
		seq: number;
		salt?: Uint8Array;
		cas?: number;
	} & ({sign: (message: Buffer) => Uint8Array} | {sig: Buffer});

	/** A response record as it came off the wire: verified by `verify` when mutable, otherwise unchecked. */
	export type GetResult = {
		id?: unknown;
		v?: unknown;
		k?: unknown;
		sig?: unknown;
		seq?: unknown;
		salt?: unknown;
	};

	export type NodeInfo = {host: string; port: number; id?: Buffer};

	export default class DHT extends EventEmitter {
		constructor(options?: DhtOptions);
		readonly nodeId: Buffer;
		readonly listening: boolean;
		readonly destroyed: boolean;
		readonly ready?: boolean;
		readonly nodes: {count(): number; toArray(): NodeInfo[]};
		listen(port?: number, host?: string, onListening?: () => void): void;
		address(): {address: string; family: string; port: number};
		addNode(node: {host: string; port: number; id?: Uint8Array}): void;
		put(options: MutablePut, callback?: (error: Error | null, hash: Buffer, nodes: number) => void): Buffer;
		get(target: Uint8Array | string, options: {cache?: boolean; salt?: Uint8Array; verify?: Verify}, callback: (error: Error | null, result: GetResult | null) => void): void;
		destroy(callback?: () => void): void;
		toJSON(): {nodes: Array<{host: string; port: number}>; values: Record<string, unknown>};
	}
}
