// Reads how each secret key packet of an armored key is protected, from the bytes themselves
// (RFC 9580 sections 4.2, 5.5.2, 5.5.3 and 3.7), not through openpgp.js: what an attacker with
// the file would see. Handles the v4 key algorithms umbra keys use (EdDSA/ECDH legacy,
// Ed25519, X25519).
import * as openpgp from 'openpgp';

export type SecretPacketProtection = {
	tag: number;
	/** 253 AEAD, 254 CFB + SHA-1, 255 CFB + checksum, 0 none. */
	usage: number;
	/** The S2K specifier type: 3 iterated and salted, 4 Argon2. */
	s2kType?: number;
	argon2?: {passes: number; parallelism: number; memoryExponent: number};
};

const secretKeyTags = new Set([5, 7]);

function packets(bytes: Uint8Array): Array<{tag: number; body: Uint8Array}> {
	const found: Array<{tag: number; body: Uint8Array}> = [];
	let at = 0;
	while (at < bytes.length) {
		const header = bytes[at++]!;
		let tag: number;
		let length: number;
		if (header & 0x40) {
			tag = header & 0x3F;
			const first = bytes[at++]!;
			if (first < 192) {
				length = first;
			} else if (first < 224) {
				length = ((first - 192) << 8) + bytes[at++]! + 192;
			} else if (first === 255) {
				length = Buffer.from(bytes.subarray(at, at + 4)).readUInt32BE();
				at += 4;
			} else {
				throw new Error('partial body lengths do not occur in key packets');
			}
		} else {
			tag = (header >> 2) & 0x0F;
			const size = [1, 2, 4][header & 3];
			if (size === undefined) {
				throw new Error('indeterminate length in a key packet');
			}

			length = Buffer.from(bytes.subarray(at, at + size)).readUIntBE(0, size);
			at += size;
		}

		found.push({tag, body: bytes.subarray(at, at + length)});
		at += length;
	}

	return found;
}

/** Skips the public fields of a v4 key packet body; returns the offset of the S2K usage octet. */
function afterPublicFields(body: Uint8Array): number {
	if (body[0] !== 4) {
		throw new Error(`key packet version ${body[0]}, expected 4`);
	}

	const algorithm = body[5];
	let at = 6;
	const mpi = () => {
		const bits = (body[at]! << 8) | body[at + 1]!;
		at += 2 + Math.ceil(bits / 8);
	};

	if (algorithm === 22 || algorithm === 18) {
		at += 1 + body[at]!; // curve OID
		mpi();
		if (algorithm === 18) {
			at += 1 + body[at]!; // KDF parameters
		}
	} else if (algorithm === 25 || algorithm === 27) {
		at += 32;
	} else {
		throw new Error(`public key algorithm ${algorithm} is not one umbra uses`);
	}

	return at;
}

export async function secretPacketProtections(armored: string): Promise<SecretPacketProtection[]> {
	const {data} = await openpgp.unarmor(armored);
	return packets(data as unknown as Uint8Array).filter(packet => secretKeyTags.has(packet.tag)).map(({tag, body}) => {
		let at = afterPublicFields(body);
		const usage = body[at++]!;
		if (usage === 0) {
			return {tag, usage};
		}

		at += usage === 253 ? 2 : 1; // symmetric algorithm, and the AEAD mode for 253
		const s2kType = body[at++]!;
		if (s2kType !== 4) {
			return {tag, usage, s2kType};
		}

		at += 16; // salt
		return {tag, usage, s2kType, argon2: {passes: body[at]!, parallelism: body[at + 1]!, memoryExponent: body[at + 2]!}};
	});
}
