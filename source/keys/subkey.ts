import * as openpgp from 'openpgp';

/** A valid Curve25519 encryption subkey and its raw X25519 public key. */
export type EncryptionSubkey = {
	subkey: openpgp.Subkey;
	fingerprint: string;
	keyId: string;
	/** Raw 32-byte X25519 public key (u-coordinate, little-endian as RFC 7748 has it). */
	x25519: Uint8Array;
	created: Date;
};

const encryptFlags = openpgp.enums.keyFlags.encryptCommunication | openpgp.enums.keyFlags.encryptStorage;

/** The raw X25519 public key of a Curve25519 subkey packet, or undefined for any other kind. */
export function x25519PublicKey(packet: openpgp.AnyKeyPacket): Uint8Array | undefined {
	const parameters = packet.publicParams as {Q?: Uint8Array; A?: Uint8Array};
	if (packet.algorithm === openpgp.enums.publicKey.ecdh) {
		// Legacy ECDH: the OID says which curve; Q is the point with the 0x40 "native" prefix.
		const {curve} = packet.getAlgorithmInfo();
		const q = parameters.Q;
		if (curve === 'curve25519Legacy' && q?.length === 33 && q[0] === 0x40) {
			return q.slice(1);
		}
	} else if (packet.algorithm === openpgp.enums.publicKey.x25519) {
		const a = parameters.A;
		if (a?.length === 32) {
			return a.slice();
		}
	}

	return undefined;
}

async function checkedSubkey(subkey: openpgp.Subkey, date: Date): Promise<EncryptionSubkey | undefined> {
	const x25519 = x25519PublicKey(subkey.keyPacket);
	if (!x25519 || subkey.keyPacket.version !== 4) {
		return undefined;
	}

	let binding: openpgp.SignaturePacket;
	try {
		// Checks the binding signature by the primary key, the subkey's revocations and expiry.
		binding = await subkey.verify(date);
	} catch {
		return undefined;
	}

	// Without key flags the algorithm alone decides (ECDH can only encrypt), as in openpgp.js.
	const flags = binding.keyFlags?.[0];
	if (flags !== undefined && (flags & encryptFlags) === 0) {
		return undefined;
	}

	const fingerprint = subkey.getFingerprint().toUpperCase();
	return {subkey, fingerprint, keyId: subkey.getKeyID().toHex().toUpperCase(), x25519, created: subkey.getCreationTime()};
}

/**
 * The Curve25519 encryption subkey both sides agree on: among the subkeys with a valid binding
 * signature at `date` (legacy ECDH 18 on curve25519, or RFC 9580 X25519 25), the newest by
 * creation time, ties broken by the greater fingerprint. undefined when there is none.
 */
export async function selectEncryptionSubkey(key: openpgp.PublicKey | openpgp.PrivateKey, date: Date): Promise<EncryptionSubkey | undefined> {
	const candidates = await Promise.all(key.subkeys.map(async subkey => checkedSubkey(subkey, date)));
	let best: EncryptionSubkey | undefined;
	for (const candidate of candidates) {
		if (!candidate) {
			continue;
		}

		const newer = best === undefined
			|| candidate.created.getTime() > best.created.getTime()
			|| (candidate.created.getTime() === best.created.getTime() && candidate.fingerprint > best.fingerprint);
		if (newer) {
			best = candidate;
		}
	}

	return best;
}
