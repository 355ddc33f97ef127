// What a registry slot holds: P's current onion address for R on one day, signed by P and
// encrypted to R, then sealed again into a value of one fixed size and shape (value.ts), so
// DHT nodes and relays see random bytes in a DNS packet and nothing else.
import type {Certificate} from '../../keys/certificate.js';
import type {Identity} from '../../keys/identity.js';
import {seal} from '../../keys/seal.js';
import {wrapValue, type RandomBytes, type ValueSlot} from './value.js';
import {parseOnionAddress} from '../../net/onion-address.js';

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

/** Signs the record as `signer`, encrypts it to `recipient` (random key hint) and seals that into the slot's value. */
export async function sealRecord(options: {record: RegistryRecord; signer: Identity; recipient: Certificate; slot: ValueSlot; date?: Date; random?: RandomBytes}): Promise<Uint8Array> {
	const sealed = await seal({plaintext: encodeRecord(options.record), signer: options.signer, recipient: options.recipient, ...(options.date ? {date: options.date} : {})});
	return wrapValue({slot: options.slot, message: sealed, ...(options.random ? {random: options.random} : {})});
}
