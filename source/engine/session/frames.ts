// Wire framing of the session protocol: every message on the onion stream, handshake or session,
// is `uint32_be length || payload` with a per-use cap, so a peer can never make us buffer more
// than one capped message. After the handshake the payload is ChaCha20-Poly1305 ciphertext+tag
// under the sending direction's key, with
//
//   nonce = 4 zero bytes || uint64_be frame counter   (per direction, starting at 0, never sent)
//   associated data = the 4 length bytes
//
// The counter is implicit: a dropped, replayed, reordered or spliced frame fails authentication
// just like a tampered one. The length is authenticated, so cutting a frame short is caught too.
// A session ends well before the counter could repeat (maxFrameCounter, far below 2^64).
import {createCipheriv, createDecipheriv} from 'node:crypto';

export const lengthPrefixBytes = 4;
export const tagBytes = 16;
/** Cap on a session frame's ciphertext+tag: the largest message (16 KiB of text) fits easily. */
export const maxFrameBytes = 64 * 1024;
/** A frame carries at least a kind byte. */
export const minFrameBytes = tagBytes + 1;
/** Cap on a sealed handshake message: an OpenPGP sign+encrypt of ~200 bytes is well under 1 KiB. */
export const maxHandshakeBytes = 8 * 1024;
/** Frames per direction before the session must end; a new handshake brings new keys. */
export const maxFrameCounter = 2 ** 32;
export const sessionKeyBytes = 32;

export function encodeLengthPrefixed(payload: Uint8Array): Uint8Array {
	const out = new Uint8Array(lengthPrefixBytes + payload.byteLength);
	new DataView(out.buffer).setUint32(0, payload.byteLength);
	out.set(payload, lengthPrefixBytes);
	return out;
}

export type DecodedMessage = {header: Uint8Array; payload: Uint8Array};
export type DecodeError = 'oversized' | 'undersized';

/**
 * Reassembles length-prefixed messages from bytes in any chunking. Holds a queue of chunks and
 * copies each message out once, so reassembly is linear in the bytes received however small the
 * chunks. After `next()` has returned everything available, fewer than prefix + cap bytes remain
 * buffered; a length outside [min, max] is an error before any of its payload is waited for.
 * Mutable by design: it lives inside one session's state, owned by that session alone.
 */
export class LengthPrefixedDecoder {
	private readonly chunks: Uint8Array[] = [];
	private offset = 0;
	private pending = 0;
	private failed: DecodeError | undefined;

	constructor(readonly max: number, readonly min = 0) {}

	get buffered(): number {
		return this.pending;
	}

	push(chunk: Uint8Array): void {
		if (chunk.byteLength > 0 && this.failed === undefined) {
			this.chunks.push(chunk);
			this.pending += chunk.byteLength;
		}
	}

	/** The next complete message, undefined if more bytes are needed, or a sticky error. */
	next(): DecodedMessage | DecodeError | undefined {
		if (this.failed !== undefined) {
			return this.failed;
		}

		if (this.pending < lengthPrefixBytes) {
			return undefined;
		}

		const header = this.peek(lengthPrefixBytes);
		const length = new DataView(header.buffer, header.byteOffset, lengthPrefixBytes).getUint32(0);
		if (length > this.max || length < this.min) {
			this.failed = length > this.max ? 'oversized' : 'undersized';
			this.chunks.length = 0;
			this.pending = 0;
			return this.failed;
		}

		if (this.pending < lengthPrefixBytes + length) {
			return undefined;
		}

		this.take(lengthPrefixBytes);
		return {header, payload: this.take(length)};
	}

	/** Whatever is buffered, handed on when a handshake ends and the session takes the stream. */
	drain(): Uint8Array {
		return this.take(this.pending);
	}

	private peek(length: number): Uint8Array {
		const out = new Uint8Array(length);
		let filled = 0;
		let offset = this.offset;
		for (const chunk of this.chunks) {
			const piece = chunk.subarray(offset, offset + length - filled);
			out.set(piece, filled);
			filled += piece.byteLength;
			offset = 0;
			if (filled === length) {
				break;
			}
		}

		return out;
	}

	private take(length: number): Uint8Array {
		const out = new Uint8Array(length);
		let filled = 0;
		while (filled < length) {
			const chunk = this.chunks[0]!;
			const piece = chunk.subarray(this.offset, this.offset + length - filled);
			out.set(piece, filled);
			filled += piece.byteLength;
			this.offset += piece.byteLength;
			if (this.offset === chunk.byteLength) {
				this.chunks.shift();
				this.offset = 0;
			}
		}

		this.pending -= length;
		return out;
	}
}

function frameNonce(counter: number): Uint8Array {
	const nonce = new Uint8Array(12);
	new DataView(nonce.buffer).setBigUint64(4, BigInt(counter));
	return nonce;
}

/** `length || ciphertext || tag` of one frame plaintext, under `key` with frame number `counter`. */
export function sealFrame(key: Uint8Array, counter: number, plaintext: Uint8Array): Uint8Array {
	const length = plaintext.byteLength + tagBytes;
	if (length > maxFrameBytes || counter >= maxFrameCounter) {
		throw new RangeError('frame too large or counter exhausted');
	}

	const out = new Uint8Array(lengthPrefixBytes + length);
	const view = new DataView(out.buffer);
	view.setUint32(0, length);
	const cipher = createCipheriv('chacha20-poly1305', key, frameNonce(counter), {authTagLength: tagBytes});
	cipher.setAAD(out.subarray(0, lengthPrefixBytes), {plaintextLength: plaintext.byteLength});
	const body = cipher.update(plaintext);
	cipher.final();
	out.set(body, lengthPrefixBytes);
	out.set(cipher.getAuthTag(), lengthPrefixBytes + body.byteLength);
	return out;
}

/** The plaintext of a frame decoded by LengthPrefixedDecoder, or undefined if it is not authentic. */
export function openFrame(key: Uint8Array, counter: number, message: DecodedMessage): Uint8Array | undefined {
	const {header, payload} = message;
	if (payload.byteLength < tagBytes || counter >= maxFrameCounter) {
		return undefined;
	}

	try {
		const decipher = createDecipheriv('chacha20-poly1305', key, frameNonce(counter), {authTagLength: tagBytes});
		decipher.setAAD(header, {plaintextLength: payload.byteLength - tagBytes});
		decipher.setAuthTag(payload.subarray(payload.byteLength - tagBytes));
		const plaintext = decipher.update(payload.subarray(0, payload.byteLength - tagBytes));
		decipher.final();
		return new Uint8Array(plaintext);
	} catch {
		return undefined;
	}
}
