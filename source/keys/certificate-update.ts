// A contact's certificate over time: what state a stored copy is in today (valid, expired,
// revoked), and merging a newer copy into it. A merge only adds what the owner signed (new
// self-signatures, subkeys, revocations: openpgp.js PublicKey.update), so a keyserver that serves
// an old copy cannot take anything back, and one that serves a forged signature adds nothing
// that validates.
import * as openpgp from 'openpgp';
import {validateCertificate, type Certificate} from './certificate.js';
import {CertificateRejectedError, KeysError} from './errors.js';
import {formatFingerprint} from './fingerprint.js';
import {checkOptions} from './options.js';
import {stripControl} from './sanitize.js';
import {x25519PublicKey} from './subkey.js';

export type KeyState = 'valid' | 'expired' | 'revoked';

export type CertificateStatus = {
	fingerprint: string;
	state: KeyState;
	/** The checked certificate; only when the state is valid. */
	certificate: Certificate | undefined;
	/** User IDs with a self-signature, valid or not today (an expired key keeps its names). */
	userIds: string[];
	/** When the primary key expires; undefined: never. */
	expiresAt: Date | undefined;
	/** Why the key is not valid, for people; empty when it is. */
	reason: string;
};

export type CertificateChange =
	| {kind: 'revoked'}
	| {kind: 'expired'}
	| {kind: 'valid-again'}
	| {kind: 'expiry'; expiresAt: Date | undefined}
	| {kind: 'encryption-subkey'}
	| {kind: 'user-ids'; added: string[]};

export type MergeResult = {
	/** The merged certificate, binary, to store. */
	bytes: Uint8Array;
	before: CertificateStatus;
	after: CertificateStatus;
	/** What the user should hear about; empty when the copy held nothing new. */
	changes: CertificateChange[];
	/** The stored bytes differ (also for changes not worth a line, like a refreshed signature). */
	changed: boolean;
};

export class CertificateMismatchError extends KeysError {
	override name = 'CertificateMismatchError';
	constructor(readonly stored: string, readonly given: string) {
		super(`This is a different key (${formatFingerprint(given)}) from the contact's (${formatFingerprint(stored)}): a new key is a new contact. Check the new fingerprint with its owner, then add it under another name.`);
	}
}

async function readPublicKey(input: Uint8Array | openpgp.PublicKey): Promise<openpgp.PublicKey> {
	if (input instanceof openpgp.PublicKey) {
		return input;
	}

	return openpgp.readKey({binaryKey: input}).then(key => (key.isPrivate() ? key.toPublic() : key));
}

async function expiryOf(key: openpgp.PublicKey): Promise<Date | undefined> {
	const expires = await key.getExpirationTime();
	return expires instanceof Date ? expires : undefined;
}

/** User IDs whose self-signature verifies at any time (not a third party's addition). */
async function selfSignedUserIds(key: openpgp.PublicKey): Promise<string[]> {
	const userIds: string[] = [];
	for (const user of key.users) {
		if (user.userID) {
			try {
				// No date: an expired key's user IDs still name it in the contact list.
				await user.verify(null as unknown as Date);
				userIds.push(stripControl(user.userID.userID));
			} catch {
				// Not self-signed: anyone could have added it.
			}
		}
	}

	return userIds;
}

/** Every Curve25519 subkey revoked by the owner: as final as a revocation of the key. */
async function subkeysRevoked(key: openpgp.PublicKey, date: Date): Promise<boolean> {
	const candidates = key.subkeys.filter(subkey => x25519PublicKey(subkey.keyPacket) !== undefined);
	if (candidates.length === 0) {
		return false;
	}

	const revoked = await Promise.all(candidates.map(async subkey => subkey.verify(date).then(() => false, (error: unknown) => /revoked/i.test(String(error)))));
	return revoked.every(Boolean);
}

/**
 * The state of a contact's certificate at `date`. A stored certificate was valid when it was
 * added, and the same bytes can only lose validity with time, so any other failure than a
 * revocation is an expiry (of the key, its user IDs or its encryption subkey).
 */
export async function certificateStatus(input: Uint8Array | openpgp.PublicKey, options?: {date?: Date}): Promise<CertificateStatus> {
	checkOptions('certificateStatus', options, ['date']);
	const date = options?.date ?? new Date();
	const key = await readPublicKey(input);
	const fingerprint = key.getFingerprint().toUpperCase();
	const expiresAt = await expiryOf(key);
	try {
		const certificate = await validateCertificate(key, date);
		return {fingerprint, state: 'valid', certificate, userIds: certificate.userIds, expiresAt, reason: ''};
	} catch (error) {
		if (!(error instanceof CertificateRejectedError)) {
			throw error;
		}

		const revoked = error.code === 'revoked' || (error.code === 'no-encryption-subkey' && await subkeysRevoked(key, date));
		return {fingerprint, state: revoked ? 'revoked' : 'expired', certificate: undefined, userIds: await selfSignedUserIds(key), expiresAt, reason: error.message};
	}
}

type Signatures = openpgp.SignaturePacket[];

async function verifiedOnly(signatures: Signatures, check: (signature: openpgp.SignaturePacket) => Promise<unknown>): Promise<Signatures> {
	const kept = await Promise.all(signatures.map(async signature => check(signature).then(() => true, () => false)));
	return signatures.filter((_, index) => kept[index]);
}

/**
 * A copy of `key` holding only what its owner signed, checked now: openpgp.js's merge lets a newer
 * binding signature replace an older one without verifying it, so a keyserver could otherwise
 * break a contact's subkey with a forged one. Third parties' certifications go too: umbra does
 * not use them, and they are what certificate flooding is made of.
 */
async function ownerSigned(key: openpgp.PublicKey): Promise<openpgp.PublicKey> {
	const copy = new openpgp.PublicKey(key.toPacketList());
	const primary = copy.keyPacket;
	const types = openpgp.enums.signature;
	const anyTime = null as unknown as Date;
	const withDirect = copy as unknown as {directSignatures: Signatures; revocationSignatures: Signatures};
	withDirect.directSignatures = await verifiedOnly(withDirect.directSignatures, async signature => signature.verify(primary, types.key, {key: primary}, anyTime));
	withDirect.revocationSignatures = await verifiedOnly(withDirect.revocationSignatures, async signature => signature.verify(primary, types.keyRevocation, {key: primary}, anyTime));
	for (const user of copy.users) {
		const data = {userID: user.userID, userAttribute: user.userAttribute, key: primary};
		user.otherCertifications = [];
		user.selfCertifications = await verifiedOnly(user.selfCertifications, async signature => signature.verify(primary, types.certGeneric, data, anyTime));
		user.revocationSignatures = await verifiedOnly(user.revocationSignatures, async signature => signature.verify(primary, types.certRevocation, data, anyTime));
	}

	for (const subkey of copy.subkeys) {
		const data = {key: primary, bind: subkey.keyPacket};
		subkey.bindingSignatures = await verifiedOnly(subkey.bindingSignatures, async signature => signature.verify(primary, types.subkeyBinding, data, anyTime));
		subkey.revocationSignatures = await verifiedOnly(subkey.revocationSignatures, async signature => signature.verify(primary, types.subkeyRevocation, data, anyTime));
	}

	return copy;
}

function sameExpiry(a: Date | undefined, b: Date | undefined): boolean {
	return a?.getTime() === b?.getTime();
}

/**
 * Merges `incoming` (a newer or older copy of the same key) into the stored certificate and says
 * what changed for the user. Throws CertificateMismatchError for another key's copy.
 */
export async function mergeCertificate(stored: Uint8Array | openpgp.PublicKey, incoming: openpgp.PublicKey, options?: {date?: Date}): Promise<MergeResult> {
	checkOptions('mergeCertificate', options, ['date']);
	const date = options?.date ?? new Date();
	const current = await readPublicKey(stored);
	const other = incoming.isPrivate() ? incoming.toPublic() : incoming;
	const fingerprint = current.getFingerprint().toUpperCase();
	if (other.getFingerprint().toUpperCase() !== fingerprint) {
		throw new CertificateMismatchError(fingerprint, other.getFingerprint().toUpperCase());
	}

	const before = await certificateStatus(current, {date});
	// No date for the merge itself: an expired key must still learn the signature that extends it.
	const merged = await current.update(await ownerSigned(other), null as unknown as Date);
	const bytes = merged.write();
	const after = await certificateStatus(merged, {date});
	const changes: CertificateChange[] = [];
	if (after.state !== before.state) {
		changes.push(after.state === 'valid' ? {kind: 'valid-again'} : {kind: after.state});
	}

	if (after.state !== 'revoked' && !sameExpiry(before.expiresAt, after.expiresAt)) {
		changes.push({kind: 'expiry', expiresAt: after.expiresAt});
	}

	if (before.certificate && after.certificate && before.certificate.encryptionKey.fingerprint !== after.certificate.encryptionKey.fingerprint) {
		changes.push({kind: 'encryption-subkey'});
	}

	const added = after.userIds.filter(userId => !before.userIds.includes(userId));
	if (added.length > 0) {
		changes.push({kind: 'user-ids', added});
	}

	return {bytes, before, after, changes, changed: Buffer.compare(Buffer.from(bytes), Buffer.from(current.write())) !== 0};
}

const day = (date: Date) => date.toISOString().slice(0, 10);

/** One line per change, about the contact `name` ("Bob's key now expires 2027-01-01"). */
export function describeChange(name: string, change: CertificateChange): string {
	switch (change.kind) {
		case 'revoked': {
			return `${name}'s key was revoked by its owner: umbra no longer publishes your address for them or accepts their handshakes. Ask them for their new key.`;
		}

		case 'expired': {
			return `${name}'s key has expired: umbra no longer talks to them until a refreshed copy extends it (/refresh or umbra import). Your history is kept.`;
		}

		case 'valid-again': {
			return `${name}'s key is valid again.`;
		}

		case 'expiry': {
			return change.expiresAt ? `${name}'s key now expires ${day(change.expiresAt)}.` : `${name}'s key no longer expires.`;
		}

		case 'encryption-subkey': {
			return `${name}'s key has a new encryption subkey.`;
		}

		case 'user-ids': {
			return `${name}'s key has new user IDs: ${change.added.join(', ')}.`;
		}
	}
}
