import {randomBytes} from 'node:crypto';
import * as openpgp from 'openpgp';
import {validateCertificate, type Certificate} from './certificate.js';
import {KeysError} from './errors.js';
import type {Identity} from './identity.js';
import {allPackets, encryptData, encryptSessionKey, sealedPackets, writePackets, type PkeskPacket, type SeipdPacket} from './openpgp-packets.js';
import {checkOptions, defaultMaxBytes} from './options.js';
import {selectEncryptionSubkey} from './subkey.js';

export type OpenResult =
	| {ok: true; plaintext: Uint8Array; signer: Certificate; signedAt: Date}
	| {ok: false; reason: 'not-for-us' | 'malformed' | 'bad-signature' | 'unknown-signer'};

const sessionKeyAlgorithm = openpgp.enums.symmetric.aes256;
const acceptedCiphers = new Set<number>([openpgp.enums.symmetric.aes128, openpgp.enums.symmetric.aes192, openpgp.enums.symmetric.aes256]);

/** Eight random bytes that are neither the real key ID nor the all-zero wildcard. */
function randomKeyHint(realKeyId: string): Uint8Array {
	for (;;) {
		const hint = randomBytes(8);
		const hex = hint.toString('hex').toUpperCase();
		if (hex !== realKeyId && hex !== '0000000000000000') {
			return hint;
		}
	}
}

/**
 * Signs `plaintext` with the signer's primary key, then encrypts it (SEIPD v1, AES-256, no
 * compression) to the recipient's selected Curve25519 subkey. The PKESK's key ID is random, so
 * the message does not name its recipient; its size is that of an ordinary addressed message.
 */
export async function seal(options: {plaintext: Uint8Array; signer: Identity; recipient: Certificate; date?: Date}): Promise<Uint8Array> {
	checkOptions('seal', options, ['plaintext', 'signer', 'recipient', 'date']);
	const {plaintext, signer, recipient} = options;
	const date = options.date ?? new Date();

	// Both sides must agree on the subkey; a certificate whose subkey has since expired or been
	// revoked must be refreshed, not silently used.
	const selected = await selectEncryptionSubkey(recipient.key, date);
	if (selected?.fingerprint !== recipient.encryptionKey.fingerprint) {
		throw new KeysError(`The encryption subkey of ${recipient.fingerprint} is no longer valid. Fetch the contact's key again.`);
	}

	const signed = await openpgp.sign({
		message: await openpgp.createMessage({binary: plaintext, format: 'binary'}),
		signingKeys: signer.privateKey,
		signingKeyIDs: signer.privateKey.getKeyID(),
		date,
		format: 'object',
	});

	const sessionKey = randomBytes(32);
	const pkesk = await encryptSessionKey(selected.subkey.keyPacket, sessionKey, sessionKeyAlgorithm);
	pkesk.publicKeyID.read(randomKeyHint(selected.keyId));
	const seipd = await encryptData(signed.packets, sessionKey, sessionKeyAlgorithm);
	sessionKey.fill(0);

	return writePackets(pkesk, seipd);
}

type Failure = Extract<OpenResult, {ok: false}>;
const fail = (reason: Failure['reason']): Failure => ({ok: false, reason});

async function readSealed(sealed: Uint8Array): Promise<{pkesk: PkeskPacket; seipd: SeipdPacket} | undefined> {
	const message = await openpgp.readMessage({binaryMessage: sealed});
	return sealedPackets(message.packets);
}

async function verify(list: openpgp.PacketList<openpgp.AnyPacket>, senders: readonly Certificate[], date: Date): Promise<OpenResult> {
	// We send exactly one-pass signature, literal data, signature; anything else is not ours.
	const inner = await allPackets(list);
	const [onePass, literal, signature, ...rest] = inner;
	if (!(onePass instanceof openpgp.OnePassSignaturePacket) || !(literal instanceof openpgp.LiteralDataPacket) || !(signature instanceof openpgp.SignaturePacket) || rest.length > 0) {
		return fail('malformed');
	}

	if (signature.signatureType !== openpgp.enums.signature.binary || !signature.created) {
		return fail('malformed');
	}

	const issuer = signature.issuerKeyID.toHex().toUpperCase();
	const issuerFingerprint = signature.issuerFingerprint ? Buffer.from(signature.issuerFingerprint).toString('hex').toUpperCase() : undefined;
	const signer = senders.find(sender => sender.keyId === issuer && (issuerFingerprint === undefined || issuerFingerprint === sender.fingerprint));
	if (!signer) {
		return fail('unknown-signer');
	}

	try {
		await signature.verify(signer.key.keyPacket, openpgp.enums.signature.binary, literal, date);
		// The sender's key must still be good now: not revoked, not expired.
		await validateCertificate(signer.key, date);
	} catch {
		return fail('bad-signature');
	}

	const plaintext = new openpgp.Message(list).getLiteralData();
	if (!(plaintext instanceof Uint8Array)) {
		return fail('malformed');
	}

	return {ok: true, plaintext, signer, signedAt: signature.created};
}

/**
 * Opens a sealed message addressed to `recipient` and signed by one of `senders` (by primary key).
 * Never throws for bad input: every failure is an `ok: false` result, without detail, since the
 * sender of a bad message deserves no feedback.
 */
export async function open(options: {sealed: Uint8Array; recipient: Identity; senders: readonly Certificate[]; date?: Date; maxBytes?: number}): Promise<OpenResult> {
	checkOptions('open', options, ['sealed', 'recipient', 'senders', 'date', 'maxBytes']);
	const {sealed, recipient, senders} = options;
	const date = options.date ?? new Date();
	const maxBytes = options.maxBytes ?? defaultMaxBytes;
	if (!(sealed instanceof Uint8Array) || sealed.byteLength === 0 || sealed.byteLength > maxBytes) {
		return fail('malformed');
	}

	let packets: Awaited<ReturnType<typeof readSealed>>;
	try {
		packets = await readSealed(sealed);
	} catch {
		return fail('malformed');
	}

	if (!packets) {
		return fail('malformed');
	}

	const {pkesk, seipd} = packets;
	const ownSubkey = recipient.privateKey.subkeys.find(subkey => subkey.getFingerprint().toUpperCase() === recipient.certificate.encryptionKey.fingerprint);
	if (!ownSubkey) {
		return fail('not-for-us');
	}

	try {
		// The key hint is random; put our own key ID back (the KDF does not bind it), then try our
		// key. A message for someone else fails the AES key-wrap check here.
		pkesk.publicKeyID.read(Buffer.from(recipient.certificate.encryptionKey.keyId, 'hex'));
		await pkesk.decrypt(ownSubkey.keyPacket as openpgp.SecretSubkeyPacket);
	} catch {
		return fail('not-for-us');
	}

	if (!pkesk.sessionKey || pkesk.sessionKeyAlgorithm === null || !acceptedCiphers.has(pkesk.sessionKeyAlgorithm)) {
		return fail('malformed');
	}

	try {
		// Caps decompression too, should a sender have compressed (umbra never does).
		await seipd.decrypt(pkesk.sessionKeyAlgorithm, pkesk.sessionKey, {...openpgp.config, maxDecompressedMessageSize: maxBytes});
	} catch {
		return fail('malformed');
	}

	try {
		return await verify(seipd.packets, senders, date);
	} catch {
		return fail('malformed');
	}
}
