// dns-packet 5 ships no types. This covers what the tests use it for: an independent check of
// the registry value's DNS framing (decode what umbra writes, encode what it should write).
declare module 'dns-packet' {
	export type Answer = {
		name: string;
		type: string;
		class: string;
		ttl: number;
		flush: boolean;
		/** For TXT records: one Buffer per character-string. */
		data: unknown;
	};

	export type Packet = {
		id: number;
		type: 'query' | 'response';
		flags: number;
		opcode: string;
		rcode: string;
		questions: unknown[];
		answers: Answer[];
		authorities: unknown[];
		additionals: unknown[];
	};

	export type EncodeAnswer = {name: string; type: string; class?: string; ttl?: number; data: unknown};
	export const encode: (packet: {type?: 'query' | 'response'; id?: number; flags?: number; questions?: unknown[]; answers?: EncodeAnswer[]}) => Buffer;

	/** Throws on a packet it cannot parse. `decode.bytes` is how many bytes the last call read. */
	export const decode: ((buffer: Uint8Array, offset?: number) => Packet) & {bytes: number};
}
