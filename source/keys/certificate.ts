import * as openpgp from 'openpgp';
import {AmbiguousKeyIdError, CertificateNotFoundError, CertificateRejectedError, type RejectionCode} from './errors.js';
import {formatFingerprint, type KeyQuery} from './fingerprint.js';
import {readKeyBlock} from './key-block.js';
import {checkOptions, defaultMaxBytes} from './options.js';
import {stripControl} from './sanitize.js';
import {selectEncryptionSubkey, x25519PublicKey} from './subkey.js';

export {selectEncryptionSubkey, type EncryptionSubkey} from './subkey.js';

/** A contact's public key, checked: Ed25519 primary, a valid Curve25519 encryption subkey. */
export type Certificate = {
	/** 40 upper-case hex digits of the primary key. */
	fingerprint: string;
	/** 16 upper-case hex digits: the primary key's long key ID. */
	keyId: string;
	/** User IDs with a valid self-signature, stripped of control characters. May be empty. */
	userIds: string[];
	created: Date;
	key: openpgp.PublicKey;
	/** The subkey selectEncryptionSubkey picks: what seal encrypts to and the pair secret uses. */
	encryptionKey: {fingerprint: string; keyId: string; x25519: Uint8Array; created: Date};
	/** Raw 32-byte Ed25519 public key of the primary key. */
	signingPublicKey: Uint8Array;
};

export type ReadCertificatesResult = {
	certificates: Certificate[];
	rejected: Array<{fingerprint?: string; reason: string}>;
};

/** The raw Ed25519 public key of a primary key packet, or undefined for any other kind. */
function ed25519PublicKey(packet: openpgp.AnyKeyPacket): Uint8Array | undefined {
	const parameters = packet.publicParams as {Q?: Uint8Array; A?: Uint8Array};
	if (packet.algorithm === openpgp.enums.publicKey.eddsaLegacy) {
		const q = parameters.Q;
		const {curve} = packet.getAlgorithmInfo();
		return curve === 'ed25519Legacy' && q?.length === 33 && q[0] === 0x40 ? q.slice(1) : undefined;
	}

	if (packet.algorithm === openpgp.enums.publicKey.ed25519) {
		return parameters.A?.length === 32 ? parameters.A.slice() : undefined;
	}

	return undefined;
}

/**
 * Validity of the primary key of a certificate without user IDs (keys.openpgp.org serves those
 * until an email is verified). openpgp.js needs a primary user here, so we check what there is:
 * key revocations (checked by the caller) and the newest valid direct-key signature's expiry.
 * The key expiry that GnuPG puts on user ID self-signatures is gone with the user IDs.
 */
async function checkUidLessPrimary(key: openpgp.PublicKey, date: Date): Promise<'expired' | undefined> {
	const primary = key.keyPacket;
	const {directSignatures} = key as unknown as {directSignatures: openpgp.SignaturePacket[]};
	let newest: openpgp.SignaturePacket | undefined;
	for (const signature of directSignatures) {
		try {
			await signature.verify(primary, openpgp.enums.signature.key, {key: primary}, date);
		} catch {
			continue; // A broken direct signature is ignored, as openpgp.js ignores it.
		}

		if (!newest || (signature.created?.getTime() ?? 0) > (newest.created?.getTime() ?? 0)) {
			newest = signature;
		}
	}

	if (newest && !newest.keyNeverExpires && newest.keyExpirationTime) {
		const expires = primary.created.getTime() + (newest.keyExpirationTime * 1000);
		if (expires <= date.getTime()) {
			return 'expired';
		}
	}

	return undefined;
}


/**
 * Checks one key the way umbra needs it and turns it into a Certificate, or throws
 * CertificateRejectedError saying why and what the key's owner can do.
 */
export async function validateCertificate(input: openpgp.PublicKey, date: Date): Promise<Certificate> {
	// Secret material never goes into a contact: keep only the public parts.
	const key = input.isPrivate() ? input.toPublic() : input;
	const fingerprint = key.getFingerprint().toUpperCase();
	// Typed on the name, so TypeScript knows a call ends the function.
	const reject: (code: RejectionCode, message: string) => never = (code, message) => {
		throw new CertificateRejectedError(code, fingerprint, message, key);
	};

	const shown = formatFingerprint(fingerprint);
	const primary = key.keyPacket;
	const signingPublicKey = ed25519PublicKey(primary);
	if (primary.version !== 4 || !signingPublicKey) {
		reject('unsupported-primary', `The key ${shown} is not a v4 key with an Ed25519 primary key, which umbra needs. Its owner can make one with: gpg --quick-gen-key 'Name <email>' ed25519 cert,sign never`);
	}

	if (await key.isRevoked(undefined, undefined, date)) {
		reject('revoked', `The key ${shown} has been revoked by its owner. Ask them for their new key.`);
	}

	const userIds: string[] = [];
	if (key.users.length > 0) {
		try {
			await key.verifyPrimaryKey(date);
		} catch (error) {
			const message = error instanceof Error ? error.message : '';
			if (/expired/i.test(message)) {
				reject('expired', `The key ${shown} has expired. Its owner can extend it with: gpg --quick-set-expire ${fingerprint} 2y, then send it again.`);
			}

			if (/revoked/i.test(message)) {
				reject('revoked', `The key ${shown} has been revoked by its owner. Ask them for their new key.`);
			}

			reject('invalid-self-signature', `The key ${shown} has no valid self-signature on any user ID; it may be damaged or forged. Ask its owner to export it again: gpg --export --armor ${fingerprint}`);
		}

		const {selfCertification} = await key.getPrimaryUser(date);
		const flags = selfCertification.keyFlags?.[0];
		if (flags !== undefined && (flags & openpgp.enums.keyFlags.signData) === 0) {
			reject('cannot-sign', `The primary key of ${shown} may not sign, and umbra signs with it. Its owner can allow it with: gpg --expert --edit-key ${fingerprint}, then the command change-usage, turning Sign on.`);
		}

		for (const user of key.users) {
			if (user.userID) {
				try {
					await user.verify(date);
					userIds.push(stripControl(user.userID.userID));
				} catch {
					// A user ID without a valid self-signature is not shown: anyone could have added it.
				}
			}
		}
	} else if (await checkUidLessPrimary(key, date) === 'expired') {
		reject('expired', `The key ${shown} has expired. Its owner can extend it with: gpg --quick-set-expire ${fingerprint} 2y, then send it again.`);
	}

	const encryption = await selectEncryptionSubkey(key, date);
	if (!encryption) {
		const hasCurve25519 = key.subkeys.some(subkey => x25519PublicKey(subkey.keyPacket) !== undefined);
		const why = hasCurve25519
			? 'its Curve25519 subkeys are expired, revoked or not properly bound to it'
			: 'it has no Curve25519 encryption subkey';
		reject('no-encryption-subkey', `umbra cannot use the key ${shown}: ${why}. Its owner can add one with: gpg --quick-add-key ${fingerprint} cv25519 encr, then export the key again.`);
	}

	return {
		fingerprint,
		keyId: fingerprint.slice(-16),
		userIds,
		created: key.getCreationTime(),
		key,
		encryptionKey: {fingerprint: encryption.fingerprint, keyId: encryption.keyId, x25519: encryption.x25519, created: encryption.created},
		signingPublicKey,
	};
}

/** Keys with the same fingerprint (a keyserver may send several copies) become one. */
async function mergeByFingerprint(keys: readonly openpgp.Key[], date: Date): Promise<openpgp.PublicKey[]> {
	const merged = new Map<string, openpgp.PublicKey>();
	for (const read of keys) {
		const key = read.isPrivate() ? read.toPublic() : read;
		const fingerprint = key.getFingerprint().toUpperCase();
		const earlier = merged.get(fingerprint);
		try {
			merged.set(fingerprint, earlier ? await earlier.update(key, date) : key);
		} catch {
			// Unmergeable copies: keep the first; validation decides about it.
		}
	}

	return [...merged.values()];
}

/**
 * The public keys in a key block, one per fingerprint, not checked: for merging into contacts'
 * stored copies, where a revoked or expired key still has something to say.
 */
export async function readPublicKeys(input: string | Uint8Array, options?: {maxBytes?: number}): Promise<openpgp.PublicKey[]> {
	checkOptions('readPublicKeys', options, ['maxBytes']);
	return mergeByFingerprint(await readKeyBlock(input, options?.maxBytes ?? defaultMaxBytes), new Date());
}

/** Reads a key block (armored or binary, one key or many, as `gpg --export` writes) and checks each key. */
export async function readCertificates(input: string | Uint8Array, options?: {date?: Date; maxBytes?: number}): Promise<ReadCertificatesResult> {
	checkOptions('readCertificates', options, ['date', 'maxBytes']);
	const date = options?.date ?? new Date();
	const keys = await mergeByFingerprint(await readKeyBlock(input, options?.maxBytes ?? defaultMaxBytes), date);
	const result: ReadCertificatesResult = {certificates: [], rejected: []};
	for (const key of keys) {
		try {
			result.certificates.push(await validateCertificate(key, date));
		} catch (error) {
			if (!(error instanceof CertificateRejectedError)) {
				throw error;
			}

			result.rejected.push({fingerprint: error.fingerprint, reason: error.message});
		}
	}

	return result;
}

/**
 * The one certificate in `input` that is the key asked for: a key ID must be the primary key's
 * (a subkey's ID does not count), a fingerprint must be equal. Every other key in the answer is
 * ignored, so a keyserver cannot slip in a different key.
 */
export async function certificateMatching(input: string | Uint8Array, query: KeyQuery, options?: {date?: Date; maxBytes?: number}): Promise<Certificate> {
	checkOptions('certificateMatching', options, ['date', 'maxBytes']);
	const date = options?.date ?? new Date();
	const keys = await mergeByFingerprint(await readKeyBlock(input, options?.maxBytes ?? defaultMaxBytes), date);
	const asked = (query.kind === 'keyid' ? query.keyId : query.fingerprint).toUpperCase();
	const matches = keys.filter(key => {
		const fingerprint = key.getFingerprint().toUpperCase();
		return query.kind === 'keyid' ? fingerprint.length === 40 && fingerprint.endsWith(asked) : fingerprint === asked;
	});
	const [match, ...others] = matches;
	if (!match) {
		throw new CertificateNotFoundError(query.kind === 'keyid' ? asked : formatFingerprint(asked));
	}

	if (others.length > 0) {
		throw new AmbiguousKeyIdError(asked, matches.map(key => formatFingerprint(key.getFingerprint().toUpperCase())));
	}

	return validateCertificate(match, date);
}
