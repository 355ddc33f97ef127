// A strict gate in front of bittorrent-dht's UDP socket. bittorrent-dht 11 and k-rpc-socket
// trust the shape of what they decode: a `get` whose `target` is an integer, a `put` whose `k`
// is a dict, or a response whose `r.id` is an integer throws inside the socket's 'message'
// handler and kills the process. Every datagram is therefore decoded here first, with a small
// strict bencode reader, and dropped unless each KRPC field the library touches has the type
// and size it expects.
import type {Socket} from 'node:dgram';

type Bencoded = number | Uint8Array | Bencoded[] | {[key: string]: Bencoded};

/** Largest datagram passed on. A full BEP 44 put is about 1.2 kB; peer lists stay far below. */
export const maxDatagramBytes = 8192;
const maxDepth = 8;
const idBytes = 20;

class Reader {
	position = 0;
	constructor(readonly bytes: Uint8Array) {}

	value(depth: number): Bencoded {
		if (depth > maxDepth) {
			throw new Error('too deep');
		}

		const byte = this.bytes[this.position];
		if (byte === 0x69) { // i
			return this.integer();
		}

		if (byte === 0x6C) { // l
			this.position++;
			const list: Bencoded[] = [];
			while (this.bytes[this.position] !== 0x65) {
				list.push(this.value(depth + 1));
			}

			this.position++;
			return list;
		}

		if (byte === 0x64) { // d
			this.position++;
			// A null prototype: keys like "__proto__" stay plain keys.
			const dict = Object.create(null) as {[key: string]: Bencoded};
			while (this.bytes[this.position] !== 0x65) {
				const key = Buffer.from(this.string()).toString('latin1');
				dict[key] = this.value(depth + 1);
			}

			this.position++;
			return dict;
		}

		return this.string();
	}

	integer(): number {
		const end = this.bytes.indexOf(0x65, this.position);
		const text = end === -1 ? '' : Buffer.from(this.bytes.subarray(this.position + 1, end)).toString('latin1');
		if (!/^(0|-?[1-9]\d{0,15})$/.test(text)) {
			throw new Error('bad integer');
		}

		this.position = end + 1;
		return Number(text);
	}

	string(): Uint8Array {
		const colon = this.bytes.indexOf(0x3A, this.position);
		const text = colon === -1 ? '' : Buffer.from(this.bytes.subarray(this.position, colon)).toString('latin1');
		if (!/^(0|[1-9]\d{0,5})$/.test(text)) {
			throw new Error('bad string length');
		}

		const start = colon + 1;
		const end = start + Number(text);
		if (end > this.bytes.length) {
			throw new Error('truncated');
		}

		this.position = end;
		return this.bytes.subarray(start, end);
	}
}

/** Decodes one bencoded value that fills `bytes` exactly; undefined for anything else. */
export function decodeStrict(bytes: Uint8Array): Bencoded | undefined {
	try {
		const reader = new Reader(bytes);
		const value = reader.value(0);
		return reader.position === bytes.length ? value : undefined;
	} catch {
		return undefined;
	}
}

const isDict = (value: unknown): value is {[key: string]: Bencoded} =>
	typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
const isBytes = (value: unknown, min = 0, max = Number.POSITIVE_INFINITY): value is Uint8Array =>
	value instanceof Uint8Array && value.length >= min && value.length <= max;
const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

// Types of the fields bittorrent-dht reads in queries (`a`) and responses (`r`).
const fieldRules: Record<string, (value: unknown) => boolean> = {
	id: value => isBytes(value, idBytes, idBytes),
	target: value => isBytes(value, idBytes, idBytes),
	info_hash: value => isBytes(value, idBytes, idBytes),
	token: value => isBytes(value, 1, 64),
	nodes: value => isBytes(value),
	values: value => Array.isArray(value) && value.every(peer => isBytes(peer, 6, 18)),
	// umbra stores only byte strings; the receiving node refuses more than 1000 bytes itself.
	v: value => isBytes(value, 1, 1000),
	k: value => isBytes(value, 32, 32),
	sig: value => isBytes(value, 64, 64),
	salt: value => isBytes(value, 0, 64),
	seq: value => isInteger(value) && value >= 0,
	cas: value => isInteger(value) && value >= 0,
	port: value => isInteger(value),
	implied_port: value => isInteger(value),
};

function fieldsValid(body: {[key: string]: Bencoded}): boolean {
	if (!fieldRules.id?.(body.id)) {
		return false;
	}

	for (const [key, check] of Object.entries(fieldRules)) {
		if (key in body && !check(body[key])) {
			return false;
		}
	}

	return true;
}

/** Whether a datagram is a KRPC message bittorrent-dht can handle without throwing. */
export function isSafeKrpcMessage(datagram: Uint8Array): boolean {
	if (datagram.length === 0 || datagram.length > maxDatagramBytes) {
		return false;
	}

	const message = decodeStrict(datagram);
	if (!isDict(message) || !isBytes(message.t, 1, 16) || !isBytes(message.y, 1, 1)) {
		return false;
	}

	switch (String.fromCharCode(message.y[0] ?? 0)) {
		case 'q': {
			return isBytes(message.q, 1, 32) && isDict(message.a) && fieldsValid(message.a);
		}

		case 'r': {
			return isDict(message.r) && fieldsValid(message.r);
		}

		case 'e': {
			return Array.isArray(message.e);
		}

		default: {
			return false;
		}
	}
}

/**
 * Makes `socket` drop unsafe datagrams before any 'message' listener sees them. Works by
 * shadowing the instance's `emit`, which dgram calls for every datagram.
 */
export function guardSocket(socket: Socket, onDropped?: (datagram: Uint8Array) => void): Socket {
	const emit = socket.emit.bind(socket);
	socket.emit = ((event: string | symbol, ...arguments_: unknown[]) => {
		if (event === 'message' && !(arguments_[0] instanceof Uint8Array && isSafeKrpcMessage(arguments_[0]))) {
			onDropped?.(arguments_[0] as Uint8Array);
			return false;
		}

		return emit(event, ...arguments_);
	}) as Socket['emit'];
	return socket;
}
