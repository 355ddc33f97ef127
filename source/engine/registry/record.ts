// What a registry slot holds: P's current onion address for R on one day, signed by P and
// encrypted to R, framed into a value of one fixed size. Every value umbra writes (records
// and decoys alike) has exactly `registryValueBytes` bytes, so sizes tell DHT nodes nothing.
import {randomBytes} from 'node:crypto';
import type {Certificate} from '../../keys/certificate.js';
import type {Identity} from '../../keys/identity.js';
import {seal} from '../../keys/seal.js';
import {parseOnionAddress} from '../../net/onion-address.js';

export type RandomBytes = (size: number) => Uint8Array;
export const defaultRandomBytes: RandomBytes = size => new Uint8Array(randomBytes(size));

/** The signed plaintext of a registry value. */
export type RegistryRecord = {
	/** R's fingerprint, 40 upper-case hex: a record copied into another reader's slot is refused. */
	reader: string;
	/** The UTC day of the slot it was written for. */
	day: number;
	/** P's v3 onion address: 56 lower-case base32 characters, without ".onion". */
	onion: string;
	port: number;
	/** Unix ms. */
	issuedAt: number;
	/** Unix ms; readers ignore the record from then on. */
	expiresAt: number;
};

/**
 * Binary layout, big-endian, exactly 105 bytes, parsed strictly (no optional parts, so one
 * record has one encoding):
 *   version u8 = 1 | "record" | reader fingerprint 20 | day u32 | onion 56 ASCII | port u16 |
 *   issued-at u64 ms | expires-at u64 ms
 */
export const recordVersion = 1;
const label = Buffer.from('record', 'ascii');
export const recordBytes = 1 + label.length + 20 + 4 + 56 + 2 + 8 + 8;

/**
 * The fixed size of every value: uint16_be length || sealed message || random padding.
 * Measured sealed records (200 seals each, openpgp 6.3.2; test/engine/registry.test.ts checks
 * the bounds): legacy EdDSA/ECDH identity to a legacy contact key 456-457 bytes, to an RFC 9580
 * (X25519) contact key 446-447; RFC 9580 identity to legacy 453, to RFC 9580 443. 640 leaves
 * about 180 bytes for later fields or v6 keys (+30 to +60) and stays far below BEP 44's 996, so
 * a relay transport that wraps values (a DNS TXT record for pkarr) still has room.
 */
export const registryValueBytes = 640;
const maxMessageBytes = registryValueBytes - 2;

export class RecordSizeError extends Error {
	override name = 'RecordSizeError';
}

const isTime = (value: number) => Number.isSafeInteger(value) && value >= 0;

/** Encodes a record; throws on fields that could not be read back, since that is our bug. */
export function encodeRecord(record: RegistryRecord): Uint8Array {
	const onion = parseOnionAddress(record.onion);
	if (!/^[\dA-F]{40}$/.test(record.reader) || !onion || !Number.isInteger(record.day) || record.day < 0 || record.day > 0xFF_FF_FF_FF
		|| !Number.isInteger(record.port) || record.port < 1 || record.port > 65_535 || !isTime(record.issuedAt) || !isTime(record.expiresAt)) {
		throw new TypeError('encodeRecord: a field is out of range (fingerprint, day, onion address, port or times).');
	}

	const bytes = Buffer.alloc(recordBytes);
	let offset = bytes.writeUInt8(recordVersion, 0);
	offset += label.copy(bytes, offset);
	offset += Buffer.from(record.reader, 'hex').copy(bytes, offset);
	offset = bytes.writeUInt32BE(record.day, offset);
	offset += bytes.write(onion, offset, 'ascii');
	offset = bytes.writeUInt16BE(record.port, offset);
	offset = bytes.writeBigUInt64BE(BigInt(record.issuedAt), offset);
	bytes.writeBigUInt64BE(BigInt(record.expiresAt), offset);
	return new Uint8Array(bytes);
}

/** The record in `plaintext`, or undefined unless it is exactly one well-formed version-1 record. */
export function decodeRecord(plaintext: Uint8Array): RegistryRecord | undefined {
	if (!(plaintext instanceof Uint8Array) || plaintext.length !== recordBytes) {
		return undefined;
	}

	const bytes = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength);
	if (bytes[0] !== recordVersion || !bytes.subarray(1, 7).equals(label)) {
		return undefined;
	}

	const reader = bytes.toString('hex', 7, 27).toUpperCase();
	const day = bytes.readUInt32BE(27);
	const onion = parseOnionAddress(bytes.toString('latin1', 31, 87));
	const port = bytes.readUInt16BE(87);
	const issuedAt = bytes.readBigUInt64BE(89);
	const expiresAt = bytes.readBigUInt64BE(97);
	// The stored address must already be normalised; another spelling is not our encoding.
	if (onion !== bytes.toString('latin1', 31, 87) || port === 0 || issuedAt > BigInt(Number.MAX_SAFE_INTEGER) || expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) {
		return undefined;
	}

	return {reader, day, onion, port, issuedAt: Number(issuedAt), expiresAt: Number(expiresAt)};
}

/** uint16_be length || message || random padding, to exactly registryValueBytes. */
export function frameValue(message: Uint8Array, random: RandomBytes = defaultRandomBytes): Uint8Array {
	if (message.length === 0 || message.length > maxMessageBytes) {
		// Writing a value of another size would mark it among all others: refuse loudly.
		throw new RecordSizeError(`A sealed registry message of ${message.length} bytes does not fit the fixed value size of ${registryValueBytes} bytes (at most ${maxMessageBytes}).`);
	}

	const value = new Uint8Array(registryValueBytes);
	new DataView(value.buffer).setUint16(0, message.length);
	value.set(message, 2);
	const padding = random(registryValueBytes - 2 - message.length);
	if (padding.length !== registryValueBytes - 2 - message.length) {
		throw new RecordSizeError('The random source returned the wrong number of bytes.');
	}

	value.set(padding, 2 + message.length);
	return value;
}

/** The message inside a value, or undefined unless the value has exactly our size and a sane length field. */
export function unframeValue(value: Uint8Array): Uint8Array | undefined {
	if (!(value instanceof Uint8Array) || value.length !== registryValueBytes) {
		return undefined;
	}

	const length = ((value[0] ?? 0) << 8) | (value[1] ?? 0);
	if (length === 0 || length > maxMessageBytes) {
		return undefined;
	}

	return value.subarray(2, 2 + length);
}

/** Signs the record as `signer`, encrypts it to `recipient` (random key hint) and frames it. */
export async function sealRecord(options: {record: RegistryRecord; signer: Identity; recipient: Certificate; date?: Date; random?: RandomBytes}): Promise<Uint8Array> {
	const sealed = await seal({plaintext: encodeRecord(options.record), signer: options.signer, recipient: options.recipient, ...(options.date ? {date: options.date} : {})});
	return frameValue(sealed, options.random);
}

/**
 * A value that overwrites a slot: an ordinary sealed message, but of random bytes and
 * encrypted to the publisher itself, so to DHT nodes it looks like any record, and the reader
 * finds nothing it can open. `messageBytes` (the length of what the slot held) is matched as
 * closely as signature sizes allow, so not even the length field changes much.
 */
export async function sealDecoy(options: {signer: Identity; messageBytes?: number; date?: Date; random?: RandomBytes}): Promise<Uint8Array> {
	const random = options.random ?? defaultRandomBytes;
	const date = options.date ? {date: options.date} : {};
	let plaintextBytes = recordBytes;
	let sealed = await seal({plaintext: random(plaintextBytes), signer: options.signer, recipient: options.signer.certificate, ...date});
	const target = options.messageBytes;
	// Encrypting to our own key may differ in size from the reader's key kind; one correction suffices.
	if (target !== undefined && sealed.length !== target && target > sealed.length - plaintextBytes) {
		plaintextBytes += target - sealed.length;
		sealed = await seal({plaintext: random(plaintextBytes), signer: options.signer, recipient: options.signer.certificate, ...date});
	}

	return frameValue(sealed, random);
}
