import {createHash, hkdfSync} from 'node:crypto';
import {KeysError} from './errors.js';
import {checkOptions} from './options.js';
import {rawPrivateKey, rawPublicKeyBytes} from './raw-keys.js';

/**
 * The registry slot in which `publisher` leaves its address for `reader` on one UTC day
 * (docs/design.md, "Registry"): a BEP 44 mutable item, no salt, under an Ed25519 key that only the
 * two of them can derive. Holds the slot's secret seed: never log it.
 */
export type SlotKeyPair = {
	day: number;
	/** 32-byte Ed25519 seed: HKDF-SHA256(K_PR, "umbra/v1/slot", fpr(P) || fpr(R) || uint32_be(day)). */
	seed: Uint8Array;
	/** 32-byte Ed25519 public key: the item's `k`. */
	publicKey: Uint8Array;
	/** SHA-1 of the public key: where the item lives in the DHT. */
	target: Uint8Array;
	/**
	 * 32-byte key of the outer seal of the slot's value: HKDF-SHA256(seed, "umbra/v1/value").
	 * Only the pair can derive it, so to anyone else a value is random bytes in a DNS packet.
	 */
	valueKey: Uint8Array;
};

const slotSalt = Buffer.from('umbra/v1/slot', 'ascii');
const valueSalt = Buffer.from('umbra/v1/value', 'ascii');
/** The length of a day in ms; UTC days are counted in these from the epoch. */
export const dayMs = 86_400_000;
const maxDay = 0xFF_FF_FF_FF;

/** d = floor(unix seconds / 86400), the UTC day number the slots change with. */
export function utcDay(date: Date | number): number {
	const ms = typeof date === 'number' ? date : date.getTime();
	if (!Number.isFinite(ms) || ms < 0) {
		throw new KeysError(`utcDay needs a time after 1970, not ${String(date)}.`);
	}

	return Math.floor(ms / dayMs);
}

/** Unix time in ms at which UTC day `day` starts. */
export function dayStart(day: number): number {
	return day * dayMs;
}

function rawFingerprint(name: string, fingerprint: string): Buffer {
	if (typeof fingerprint !== 'string' || !/^[\dA-Fa-f]{40}$/.test(fingerprint)) {
		throw new KeysError(`slotKeyPair: ${name} must be a v4 fingerprint of 40 hex digits.`);
	}

	return Buffer.from(fingerprint, 'hex');
}

/** The raw 32-byte Ed25519 public key of a seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
	return rawPublicKeyBytes(rawPrivateKey('ed25519', seed));
}

/**
 * Derives the slot of publisher P for reader R on `day`. The direction matters: P->R and R->P are
 * different slots, so each side writes only its own. Without K_PR the slots of different days
 * or pairs cannot be linked.
 */
export function slotKeyPair(options: {pairSecret: Uint8Array; publisher: string; reader: string; day: number}): SlotKeyPair {
	checkOptions('slotKeyPair', options, ['pairSecret', 'publisher', 'reader', 'day']);
	const {pairSecret, day} = options;
	if (!(pairSecret instanceof Uint8Array) || pairSecret.byteLength !== 32) {
		throw new KeysError('slotKeyPair: pairSecret must be the 32-byte K_PR of pairSecret().');
	}

	if (!Number.isInteger(day) || day < 0 || day > maxDay) {
		throw new KeysError(`slotKeyPair: day must be a UTC day number (0 to 2^32-1), not ${day}.`);
	}

	const dayBytes = Buffer.alloc(4);
	dayBytes.writeUInt32BE(day);
	const info = Buffer.concat([rawFingerprint('publisher', options.publisher), rawFingerprint('reader', options.reader), dayBytes]);
	const seed = new Uint8Array(hkdfSync('sha256', pairSecret, slotSalt, info, 32));
	const publicKey = ed25519PublicKey(seed);
	const target = new Uint8Array(createHash('sha1').update(publicKey).digest());
	// A second HKDF output keeps the sealing key independent of the signing key.
	const valueKey = new Uint8Array(hkdfSync('sha256', seed, valueSalt, Buffer.alloc(0), 32));
	return {day, seed, publicKey, target, valueKey};
}
