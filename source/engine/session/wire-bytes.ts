// Byte-level reading and writing for codec.ts: a bounds-checked reader whose every failure is a
// CodecError (caught by `parse` and returned as a value), and a writer for our own messages.
import {isOnionAddress} from '../../net/onion-address.js';

export const fingerprintBytes = 20;

export type Parsed<T> = {ok: true; value: T} | {ok: false; reason: string};

export class CodecError extends Error {}

/** In a /u pattern a surrogate pair is one code point, so \p{Cs} matches lone surrogates only. */
export const isWellFormed = (text: string) => !/\p{Cs}/u.test(text);

const utf8 = new TextDecoder('utf-8', {fatal: true, ignoreBOM: true});

/** A bounds-checked cursor; every read past the end, or any rule broken, throws CodecError. */
export class Reader {
	private offset = 0;
	constructor(private readonly bytes: Uint8Array) {}

	take(length: number): Uint8Array {
		if (length < 0 || this.offset + length > this.bytes.byteLength) {
			throw new CodecError('truncated');
		}

		const slice = this.bytes.slice(this.offset, this.offset + length);
		this.offset += length;
		return slice;
	}

	u8(): number {
		return this.take(1)[0]!;
	}

	u16(): number {
		const b = this.take(2);
		return (b[0]! << 8) | b[1]!;
	}

	u32(): number {
		return Buffer.from(this.take(4)).readUInt32BE(0);
	}

	/** A millisecond time; values beyond 2^53 would lose precision, so they are refused. */
	u64(): number {
		const value = Buffer.from(this.take(8)).readBigUInt64BE(0);
		if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
			throw new CodecError('time out of range');
		}

		return Number(value);
	}

	text(length: number, max: number): string {
		if (length > max) {
			throw new CodecError('text too long');
		}

		try {
			return utf8.decode(this.take(length));
		} catch (error) {
			throw error instanceof CodecError ? error : new CodecError('text is not well-formed UTF-8');
		}
	}

	onion(): string {
		const length = this.u8();
		const value = Buffer.from(this.take(length)).toString('latin1');
		if (!isOnionAddress(value)) {
			throw new CodecError('not a v3 onion address');
		}

		return value;
	}

	fingerprint(): string {
		return Buffer.from(this.take(fingerprintBytes)).toString('hex').toUpperCase();
	}

	label(expected: string): void {
		if (Buffer.from(this.take(expected.length)).toString('latin1') !== expected) {
			throw new CodecError('wrong label');
		}
	}

	end(): void {
		if (this.offset !== this.bytes.byteLength) {
			throw new CodecError('trailing bytes');
		}
	}
}

/** Collects fields; throws on values a well-behaved caller never passes (programming errors). */
export class Writer {
	private readonly parts: Uint8Array[] = [];

	bytes(value: Uint8Array, length?: number): this {
		if (length !== undefined && value.byteLength !== length) {
			throw new RangeError(`expected ${length} bytes, got ${value.byteLength}`);
		}

		this.parts.push(value);
		return this;
	}

	u8(value: number): this {
		return this.bytes(Uint8Array.of(value));
	}

	u16(value: number): this {
		const b = Buffer.alloc(2);
		b.writeUInt16BE(value);
		return this.bytes(b);
	}

	u32(value: number): this {
		const b = Buffer.alloc(4);
		b.writeUInt32BE(value);
		return this.bytes(b);
	}

	u64(value: number): this {
		const b = Buffer.alloc(8);
		b.writeBigUInt64BE(BigInt(value));
		return this.bytes(b);
	}

	ascii(value: string): this {
		return this.bytes(Buffer.from(value, 'latin1'));
	}

	onion(value: string): this {
		if (!isOnionAddress(value)) {
			throw new RangeError('not a v3 onion address');
		}

		return this.u8(value.length).ascii(value);
	}

	fingerprint(value: string): this {
		if (!/^[0-9A-F]{40}$/.test(value)) {
			throw new RangeError('a fingerprint is 40 upper-case hex digits');
		}

		return this.bytes(Buffer.from(value, 'hex'));
	}

	done(): Uint8Array {
		return new Uint8Array(Buffer.concat(this.parts));
	}
}

export function parse<T>(bytes: Uint8Array, read: (reader: Reader) => T): Parsed<T> {
	try {
		const reader = new Reader(bytes);
		const value = read(reader);
		reader.end();
		return {ok: true, value};
	} catch (error) {
		return {ok: false, reason: error instanceof CodecError ? error.message : 'malformed'};
	}
}
