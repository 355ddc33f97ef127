// Strict binary codecs for everything a peer sends us inside the session protocol: the signed
// handshake plaintexts (hs1, hs2) and the plaintexts of session frames. "Strict" means every
// field has a fixed width or an explicit, capped length, every byte of the input is consumed,
// text is well-formed UTF-8, and anything else is a parse failure returned as a value: nothing
// here throws at a caller. Layouts (all integers big-endian):
//
//   hs1: version u8 = 1 | "hs1" | dialer fpr (20) | listener fpr (20) | listener nonce (32)
//        | dialer nonce (32) | onion length u8 + ASCII | dialer ephemeral X25519 (32) | time u64 ms
//   hs2: version u8 = 1 | "hs2" | dialer fpr (20) | listener fpr (20) | listener nonce (32)
//        | dialer nonce (32) | SHA-256 of the hs1 wire bytes (32) | listener ephemeral (32) | time u64 ms
//
//   frame plaintext: kind u8 | body
//     0x01 presence      state u8 (0 online, 1 away, 2 busy) | status length u16 + UTF-8 (<= 512 bytes)
//     0x02 message       id (16) | sent-at u64 ms | text length u32 + UTF-8 (1..16384 bytes)
//     0x03 ack           id (16)
//     0x04 typing        on u8 (0 or 1)
//     0x05 ping          (empty)
//     0x06 pong          (empty)
//     0x07 bye           (empty)
//     0x08 onion-change  onion length u8 + ASCII
//
// Binary rather than JSON: fixed-width fields leave no room for duplicate keys, number precision
// games or unexpected members, and the sizes of the handshake messages do not depend on content.
// Text is kept as sent (after the UTF-8 check); control characters are stripped by the screens,
// since a bot may want the exact text.
import {CodecError, isWellFormed, parse, Writer, type Parsed, type Reader} from './wire-bytes.js';
import {isOnionAddress} from '../../net/onion-address.js';

export {fingerprintBytes, type Parsed} from './wire-bytes.js';
export {isOnionAddress};

export const protocolVersion = 1;
export const nonceBytes = 32;
export const messageIdBytes = 16;
export const x25519Bytes = 32;
export const maxStatusBytes = 512;
export const maxMessageTextBytes = 16 * 1024;

const encoder = new TextEncoder();

export type PresenceState = 'online' | 'away' | 'busy';
const presenceStates: readonly PresenceState[] = ['online', 'away', 'busy'];

export type Hs1 = {
	dialer: string;
	listener: string;
	listenerNonce: Uint8Array;
	dialerNonce: Uint8Array;
	onion: string;
	ephemeral: Uint8Array;
	time: number;
};

export type Hs2 = {
	dialer: string;
	listener: string;
	listenerNonce: Uint8Array;
	dialerNonce: Uint8Array;
	hs1Hash: Uint8Array;
	ephemeral: Uint8Array;
	time: number;
};

export type FrameBody =
	| {kind: 'presence'; state: PresenceState; status: string}
	| {kind: 'message'; id: string; sentAt: number; text: string}
	| {kind: 'ack'; id: string}
	| {kind: 'typing'; on: boolean}
	| {kind: 'ping'}
	| {kind: 'pong'}
	| {kind: 'bye'}
	| {kind: 'onion-change'; onion: string};

export type FrameKind = FrameBody['kind'];

const kindCodes: Record<FrameKind, number> = {
	presence: 0x01,
	message: 0x02,
	ack: 0x03,
	typing: 0x04,
	ping: 0x05,
	pong: 0x06,
	bye: 0x07,
	'onion-change': 0x08,
};
const kindsByCode = new Map(Object.entries(kindCodes).map(([kind, code]) => [code, kind as FrameKind]));


function readVersion(reader: Reader): void {
	if (reader.u8() !== protocolVersion) {
		throw new CodecError('unsupported version');
	}
}

export function encodeHs1(value: Hs1): Uint8Array {
	return new Writer()
		.u8(protocolVersion)
		.ascii('hs1')
		.fingerprint(value.dialer)
		.fingerprint(value.listener)
		.bytes(value.listenerNonce, nonceBytes)
		.bytes(value.dialerNonce, nonceBytes)
		.onion(value.onion)
		.bytes(value.ephemeral, x25519Bytes)
		.u64(value.time)
		.done();
}

export function decodeHs1(bytes: Uint8Array): Parsed<Hs1> {
	return parse(bytes, reader => {
		readVersion(reader);
		reader.label('hs1');
		return {
			dialer: reader.fingerprint(),
			listener: reader.fingerprint(),
			listenerNonce: reader.take(nonceBytes),
			dialerNonce: reader.take(nonceBytes),
			onion: reader.onion(),
			ephemeral: reader.take(x25519Bytes),
			time: reader.u64(),
		};
	});
}

export function encodeHs2(value: Hs2): Uint8Array {
	return new Writer()
		.u8(protocolVersion)
		.ascii('hs2')
		.fingerprint(value.dialer)
		.fingerprint(value.listener)
		.bytes(value.listenerNonce, nonceBytes)
		.bytes(value.dialerNonce, nonceBytes)
		.bytes(value.hs1Hash, 32)
		.bytes(value.ephemeral, x25519Bytes)
		.u64(value.time)
		.done();
}

export function decodeHs2(bytes: Uint8Array): Parsed<Hs2> {
	return parse(bytes, reader => {
		readVersion(reader);
		reader.label('hs2');
		return {
			dialer: reader.fingerprint(),
			listener: reader.fingerprint(),
			listenerNonce: reader.take(nonceBytes),
			dialerNonce: reader.take(nonceBytes),
			hs1Hash: reader.take(32),
			ephemeral: reader.take(x25519Bytes),
			time: reader.u64(),
		};
	});
}

const idToBytes = (id: string) => Buffer.from(id, 'hex');
const idFromBytes = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Message IDs travel as 16 raw bytes and are 32 lower-case hex digits everywhere else. */
export function isMessageId(id: string): boolean {
	return /^[0-9a-f]{32}$/.test(id);
}

/** Why an outgoing body cannot be encoded, or undefined when it can. */
export function checkFrameBody(body: FrameBody): string | undefined {
	switch (body.kind) {
		case 'presence': {
			return presenceStates.includes(body.state) && encoder.encode(body.status).byteLength <= maxStatusBytes && isWellFormed(body.status) ? undefined : 'presence state unknown or status text too long';
		}

		case 'message': {
			const length = encoder.encode(body.text).byteLength;
			if (!isMessageId(body.id)) {
				return 'message id must be 32 lower-case hex digits';
			}

			if (!Number.isSafeInteger(body.sentAt) || body.sentAt < 0) {
				return 'sent-at must be a non-negative millisecond time';
			}

			return length > 0 && length <= maxMessageTextBytes && isWellFormed(body.text) ? undefined : `message text must be 1 to ${maxMessageTextBytes} bytes of well-formed UTF-8`;
		}

		case 'ack': {
			return isMessageId(body.id) ? undefined : 'message id must be 32 lower-case hex digits';
		}

		case 'onion-change': {
			return isOnionAddress(body.onion) ? undefined : 'not a v3 onion address';
		}

		case 'typing':
		case 'ping':
		case 'pong':
		case 'bye': {
			return undefined;
		}
	}
}

/** Encodes a frame plaintext; call checkFrameBody first for values from outside the engine. */
export function encodeFrameBody(body: FrameBody): Uint8Array {
	const writer = new Writer().u8(kindCodes[body.kind]);
	switch (body.kind) {
		case 'presence': {
			const status = encoder.encode(body.status);
			return writer.u8(presenceStates.indexOf(body.state)).u16(status.byteLength).bytes(status).done();
		}

		case 'message': {
			const text = encoder.encode(body.text);
			return writer.bytes(idToBytes(body.id), messageIdBytes).u64(body.sentAt).u32(text.byteLength).bytes(text).done();
		}

		case 'ack': {
			return writer.bytes(idToBytes(body.id), messageIdBytes).done();
		}

		case 'typing': {
			return writer.u8(body.on ? 1 : 0).done();
		}

		case 'onion-change': {
			return writer.onion(body.onion).done();
		}

		case 'ping':
		case 'pong':
		case 'bye': {
			return writer.done();
		}
	}
}

export function decodeFrameBody(bytes: Uint8Array): Parsed<FrameBody> {
	return parse(bytes, (reader): FrameBody => {
		const kind = kindsByCode.get(reader.u8());
		switch (kind) {
			case 'presence': {
				const state = presenceStates[reader.u8()];
				if (!state) {
					throw new CodecError('unknown presence state');
				}

				return {kind, state, status: reader.text(reader.u16(), maxStatusBytes)};
			}

			case 'message': {
				const id = idFromBytes(reader.take(messageIdBytes));
				const sentAt = reader.u64();
				const length = reader.u32();
				if (length === 0) {
					throw new CodecError('empty message');
				}

				return {kind, id, sentAt, text: reader.text(length, maxMessageTextBytes)};
			}

			case 'ack': {
				return {kind, id: idFromBytes(reader.take(messageIdBytes))};
			}

			case 'typing': {
				const on = reader.u8();
				if (on > 1) {
					throw new CodecError('typing flag is neither 0 nor 1');
				}

				return {kind, on: on === 1};
			}

			case 'onion-change': {
				return {kind, onion: reader.onion()};
			}

			case 'ping':
			case 'pong':
			case 'bye': {
				return {kind};
			}

			case undefined: {
				throw new CodecError('unknown frame kind');
			}
		}
	});
}
