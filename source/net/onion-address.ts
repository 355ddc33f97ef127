// v3 onion addresses (rend-spec-v3, "Encoding onion addresses"). A service ID is 56 base32
// characters encoding the service's Ed25519 public key, a checksum and the version (3); its
// address is the ID followed by ".onion". Tor's control port speaks service IDs, SOCKS and the
// session frames speak addresses, registry records carry service IDs.
import {createHash} from 'node:crypto';

const serviceIdPattern = /^[a-z2-7]{56}$/;
const addressPattern = /^[a-z2-7]{56}\.onion$/;
const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** The shape of a v3 service ID: 56 lower-case base32 characters (the checksum is not checked). */
export function isServiceId(value: string): boolean {
	return serviceIdPattern.test(value);
}

/** The shape of a v3 onion address as the wire carries it: a service ID, then ".onion". */
export function isOnionAddress(value: string): boolean {
	return addressPattern.test(value);
}

/** The service ID an address names: lower case, without ".onion". */
export function serviceIdOf(address: string): string {
	return address.toLowerCase().replace(/\.onion$/, '');
}

/** The address of a service ID: with ".onion". */
export function onionAddressOf(serviceId: string): string {
	return `${serviceIdOf(serviceId)}.onion`;
}

/**
 * A v3 onion address or service ID from outside (a registry record, a setting), checked to the
 * version and the SHA3-256 checksum and normalised to its service ID; undefined if it is none.
 */
export function parseOnionAddress(input: string): string | undefined {
	if (typeof input !== 'string') {
		return undefined;
	}

	const serviceId = serviceIdOf(input);
	if (!isServiceId(serviceId)) {
		return undefined;
	}

	const bytes = base32Decode(serviceId);
	if (bytes.length !== 35 || bytes[34] !== 3) {
		return undefined;
	}

	const publicKey = bytes.subarray(0, 32);
	const checksum = createHash('sha3-256').update('.onion checksum').update(publicKey).update(Buffer.from([3])).digest();
	return checksum[0] === bytes[32] && checksum[1] === bytes[33] ? serviceId : undefined;
}

/** Decodes lower-case base32 without padding; the caller has checked the alphabet. */
function base32Decode(text: string): Buffer {
	let bits = 0;
	let value = 0;
	const out: number[] = [];
	for (const char of text) {
		value = (value << 5) | base32Alphabet.indexOf(char);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out.push((value >> bits) & 0xFF);
		}
	}

	return Buffer.from(out);
}
