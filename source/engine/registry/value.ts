// The bytes a registry slot holds (BEP 44 `v`, a pkarr packet), the same shape and size for
// every value umbra writes:
//
//   DNS response, no question, one answer:  <z-base-32 slot public key>. 300 IN TXT <payload>
//   payload (689 bytes, in strings of 255, 255, 179) = nonce 12 || ChaCha20-Poly1305(inner) || tag 16
//   inner (661 bytes)                                = uint16_be length || sealed message || zero padding
//
// The key is the slot's valueKey, which only the pair can derive. So outside the DNS framing
// (which is the same for anyone's packet under that key) every byte is indistinguishable from
// random to DHT nodes and relays: no OpenPGP packet header, no length field; random bytes in
// the same framing look the same.
import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto';
import type {SlotKeyPair} from '../../keys/slot.js';
import {decodeTxtAnswer, encodeTxtAnswer} from './dns-answer.js';
import {zBase32Encode as zBase32} from '../../net/z-base32.js';

export type RandomBytes = (size: number) => Uint8Array;
export const defaultRandomBytes: RandomBytes = size => new Uint8Array(randomBytes(size));

/**
 * The fixed size of every value. The sealed record takes 443-457 bytes (measured, openpgp
 * 6.3.2, legacy and RFC 9580 keys; test/engine/registry.test.ts checks it), so 659 leaves
 * about 200 bytes for later fields or v6 keys, and 768 stays below BEP 44's 996 raw bytes
 * (1000 bencoded) with room to spare.
 */
export const registryValueBytes = 768;
/** Relays cache a GET for the packet's smallest TTL at least; pkarr's own minimum is 300 s. */
export const valueTtlSeconds = 300;
const nonceBytes = 12;
const tagBytes = 16;
/** What fits in 768 bytes after the 76 of DNS framing and 3 string length bytes. */
const payloadBytes = 689;
const innerBytes = payloadBytes - nonceBytes - tagBytes;
export const maxSealedBytes = innerBytes - 2;

export type ValueSlot = Pick<SlotKeyPair, 'publicKey' | 'valueKey'>;
export type UnwrapResult =
	| {ok: true; message: Uint8Array}
	/** bad-framing: not our DNS packet for this slot; not-from-slot: does not open with the slot's key; malformed: opens, but the length field is wrong. */
	| {ok: false; reason: 'bad-framing' | 'not-from-slot' | 'malformed'};

export class RecordSizeError extends Error {
	override name = 'RecordSizeError';
}

const owner = (slot: ValueSlot) => zBase32(slot.publicKey);

function framed(slot: ValueSlot, payload: Uint8Array): Uint8Array {
	const value = encodeTxtAnswer({owner: owner(slot), ttl: valueTtlSeconds, data: payload});
	if (value.length !== registryValueBytes) {
		// A value of another size would stand out among all others: refuse loudly (our bug).
		throw new RecordSizeError(`A registry value came out at ${value.length} bytes instead of ${registryValueBytes}: the slot public key must be 32 bytes.`);
	}

	return value;
}

function randomOf(random: RandomBytes, size: number): Uint8Array {
	const bytes = random(size);
	if (bytes.length !== size) {
		throw new RecordSizeError('The random source returned the wrong number of bytes.');
	}

	return bytes;
}

/**
 * Seals `message` (at most maxSealedBytes) under the slot's value key, framed as a DNS answer.
 * The nonce is random: a slot sees some dozens of writes, far from where 96 random bits
 * collide, and a random source that repeats itself (a test's) must not write twice to one slot.
 */
export function wrapValue(options: {slot: ValueSlot; message: Uint8Array; random?: RandomBytes}): Uint8Array {
	const {slot, message} = options;
	if (message.length === 0 || message.length > maxSealedBytes) {
		throw new RecordSizeError(`A sealed registry message of ${message.length} bytes does not fit the fixed value size of ${registryValueBytes} bytes (at most ${maxSealedBytes}).`);
	}

	const inner = Buffer.alloc(innerBytes);
	inner.writeUInt16BE(message.length, 0);
	inner.set(message, 2);
	const nonce = randomOf(options.random ?? defaultRandomBytes, nonceBytes);
	const cipher = createCipheriv('chacha20-poly1305', slot.valueKey, nonce, {authTagLength: tagBytes});
	const payload = Buffer.concat([nonce, cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
	return framed(slot, payload);
}

/** Random bytes in a value's framing, which nobody can open: what a forger or a broken writer could leave in a slot (tests). */
export function decoyValue(options: {slot: ValueSlot; random?: RandomBytes}): Uint8Array {
	return framed(options.slot, randomOf(options.random ?? defaultRandomBytes, payloadBytes));
}

/** The sealed message inside a value of this slot; never throws for what a registry returns. */
export function unwrapValue(options: {slot: ValueSlot; value: Uint8Array}): UnwrapResult {
	const {slot, value} = options;
	if (!(value instanceof Uint8Array) || value.length !== registryValueBytes) {
		return {ok: false, reason: 'bad-framing'};
	}

	const payload = decodeTxtAnswer(value, {owner: owner(slot), ttl: valueTtlSeconds});
	if (payload?.length !== payloadBytes) {
		return {ok: false, reason: 'bad-framing'};
	}

	let inner: Buffer;
	try {
		const decipher = createDecipheriv('chacha20-poly1305', slot.valueKey, payload.subarray(0, nonceBytes), {authTagLength: tagBytes});
		decipher.setAuthTag(payload.subarray(payloadBytes - tagBytes));
		inner = Buffer.concat([decipher.update(payload.subarray(nonceBytes, payloadBytes - tagBytes)), decipher.final()]);
	} catch {
		return {ok: false, reason: 'not-from-slot'};
	}

	// Only the pair can get here; still, the inner layout is checked to the last byte.
	const length = inner.readUInt16BE(0);
	if (length === 0 || length > maxSealedBytes || inner.subarray(2 + length).some(byte => byte !== 0)) {
		return {ok: false, reason: 'malformed'};
	}

	return {ok: true, message: new Uint8Array(inner.subarray(2, 2 + length))};
}
