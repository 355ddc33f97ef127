// The few packet-level calls of openpgp.js that seal and open need, typed narrowly.
//
// Why packets and not openpgp.encrypt/decrypt: openpgp.js refuses to encrypt to, or check a
// signature by, a v4 certificate without a user ID ("Could not find primary user"), and
// keys.openpgp.org serves exactly those. We validate certificates ourselves (certificate.ts:
// revocation, expiry, subkey binding signatures), so we encrypt to the one subkey we selected and
// verify the signature with the primary key packet directly. These methods exist at run time in
// openpgp 6.3 but are private or missing in its .d.ts; the casts below are the only place that
// relies on them, and the tests exercise every one.
import * as openpgp from 'openpgp';

type KeyIdInternals = {read(bytes: Uint8Array): number; toHex(): string};

export type PkeskPacket = {
	version: number;
	publicKeyID: KeyIdInternals;
	publicKeyAlgorithm: openpgp.enums.publicKey;
	sessionKey: Uint8Array | null;
	sessionKeyAlgorithm: openpgp.enums.symmetric | null;
	encrypt(key: openpgp.AnyKeyPacket): Promise<void>;
	decrypt(key: openpgp.SecretSubkeyPacket): Promise<void>;
};

export type SeipdPacket = {
	version: number;
	packets: openpgp.PacketList<openpgp.AnyPacket>;
	encrypt(algorithm: openpgp.enums.symmetric, key: Uint8Array, config?: openpgp.Config): Promise<boolean>;
	decrypt(algorithm: openpgp.enums.symmetric, key: Uint8Array, config?: openpgp.Config): Promise<boolean>;
};

type PkeskClass = {
	fromObject(options: {version: 3; encryptionKeyPacket: openpgp.AnyKeyPacket; anonymousRecipient: boolean; sessionKey: Uint8Array; sessionKeyAlgorithm: openpgp.enums.symmetric}): PkeskPacket;
};
type SeipdClass = {fromObject(options: {version: 1}): SeipdPacket};

/** A v3 PKESK for a v4 subkey, with the session key encrypted to it. */
export async function encryptSessionKey(subkey: openpgp.AnyKeyPacket, sessionKey: Uint8Array, sessionKeyAlgorithm: openpgp.enums.symmetric): Promise<PkeskPacket> {
	const pkesk = (openpgp.PublicKeyEncryptedSessionKeyPacket as unknown as PkeskClass).fromObject({
		version: 3,
		encryptionKeyPacket: subkey,
		anonymousRecipient: false,
		sessionKey,
		sessionKeyAlgorithm,
	});
	await pkesk.encrypt(subkey);
	return pkesk;
}

/** A v1 SEIPD (the kind GnuPG 2.2 reads) holding `packets`, encrypted with the session key. */
export async function encryptData(packets: openpgp.PacketList<openpgp.AnyPacket>, sessionKey: Uint8Array, algorithm: openpgp.enums.symmetric): Promise<SeipdPacket> {
	const seipd = (openpgp.SymEncryptedIntegrityProtectedDataPacket as unknown as SeipdClass).fromObject({version: 1});
	seipd.packets = packets;
	await seipd.encrypt(algorithm, sessionKey);
	return seipd;
}

type PacketReader = {read(): Promise<{done: boolean; value?: openpgp.AnyPacket}>};

/**
 * Every packet of a parsed list. openpgp.js stops parsing at the first data packet (literal,
 * encrypted) and leaves the rest, e.g. the trailing signature, in `list.stream`; parse errors
 * in that rest surface here, as a rejected promise.
 */
export async function allPackets(list: openpgp.PacketList<openpgp.AnyPacket>): Promise<openpgp.AnyPacket[]> {
	const packets = [...list];
	const {stream} = list as unknown as {stream?: {getReader(): PacketReader} | null};
	if (stream) {
		const reader = stream.getReader();
		for (let next = await reader.read(); !next.done; next = await reader.read()) {
			if (next.value) {
				packets.push(next.value);
			}
		}
	}

	return packets;
}

/** A message of exactly these packets, in binary. */
export function writePackets(pkesk: PkeskPacket, seipd: SeipdPacket): Uint8Array {
	const list = new openpgp.PacketList<openpgp.AnyPacket>();
	list.push(pkesk as unknown as openpgp.AnyPacket, seipd as unknown as openpgp.AnyPacket);
	return list.write();
}

/** The PKESK v3 and SEIPD v1 of a message that has exactly those two packets, else undefined. */
export async function sealedPackets(list: openpgp.PacketList<openpgp.AnyPacket>): Promise<{pkesk: PkeskPacket; seipd: SeipdPacket} | undefined> {
	const [pkesk, seipd, ...rest] = await allPackets(list);
	if (!(pkesk instanceof openpgp.PublicKeyEncryptedSessionKeyPacket) || !(seipd instanceof openpgp.SymEncryptedIntegrityProtectedDataPacket) || rest.length > 0) {
		return undefined;
	}

	const typedPkesk = pkesk as unknown as PkeskPacket;
	const typedSeipd = seipd as unknown as SeipdPacket;
	return typedPkesk.version === 3 && typedSeipd.version === 1 ? {pkesk: typedPkesk, seipd: typedSeipd} : undefined;
}
