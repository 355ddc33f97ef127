import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {before, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {
	generateIdentity,
	importSecretKey,
	open,
	readCertificates,
	seal,
	type Certificate,
	type Identity,
} from '../../source/keys/index.js';
import {allPackets, encryptData, encryptSessionKey, writePackets} from '../../source/keys/openpgp-packets.js';
import {fixtureCertificate, fixtureIdentity, makeKey, stripUserIds, testKeyProtection} from '../helpers/key-fixtures.js';

const text = (value: string) => new TextEncoder().encode(value);
const day = 24 * 60 * 60 * 1000;

/** The recipient key ID written in the message's PKESK. */
async function keyHint(sealed: Uint8Array): Promise<string> {
	const message = await openpgp.readMessage({binaryMessage: sealed});
	const ids = message.getEncryptionKeyIDs();
	assert.equal(ids.length, 1);
	return ids[0]!.toHex().toUpperCase();
}

async function identityFrom(key: openpgp.PrivateKey, date?: Date): Promise<Identity> {
	return (await importSecretKey({input: key.armor(), passphrase: '', newPassphrase: 'p', protection: testKeyProtection, ...(date ? {date} : {})})).identity;
}

let alice: Identity;
let bob: Identity;
let aliceCertificate: Certificate;
let bobCertificate: Certificate;

before(async () => {
	[alice, bob, aliceCertificate, bobCertificate] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
});

describe('seal and open', () => {
	it('round-trips, with signer and signing time', async () => {
		const date = new Date('2026-06-01T10:00:00Z');
		const sealed = await seal({plaintext: text('hello bob'), signer: alice, recipient: bobCertificate, date});
		const result = await open({sealed, recipient: bob, senders: [bobCertificate, aliceCertificate], date});
		assert.ok(result.ok);
		assert.equal(new TextDecoder().decode(result.plaintext), 'hello bob');
		assert.equal(result.signer.fingerprint, alice.fingerprint);
		assert.equal(result.signedAt.getTime(), date.getTime());
	});

	it('randomizes the key hint: never the real subkey ID, never wildcard, different every time', async () => {
		const hints = await Promise.all([1, 2, 3].map(async () => keyHint(await seal({plaintext: text('same'), signer: alice, recipient: bobCertificate}))));
		assert.equal(new Set(hints).size, 3);
		for (const hint of hints) {
			assert.notEqual(hint, bobCertificate.encryptionKey.keyId);
			assert.notEqual(hint, '0000000000000000');
		}
	});

	it('signs inside the encryption: one-pass signature, literal data, signature; no compression', async () => {
		const sealed = await seal({plaintext: text('x'), signer: alice, recipient: bobCertificate});
		const message = await openpgp.readMessage({binaryMessage: sealed});
		assert.deepEqual([...message.packets].map(packet => packet.constructor.name), ['PublicKeyEncryptedSessionKeyPacket', 'SymEncryptedIntegrityProtectedDataPacket']);
		const restored = await openpgp.readMessage({binaryMessage: sealed});
		(restored.packets[0] as unknown as {publicKeyID: {read(bytes: Uint8Array): void}}).publicKeyID.read(Buffer.from(bob.certificate.encryptionKey.keyId, 'hex'));
		const decrypted = await restored.decrypt([bob.privateKey]);
		const inner = await allPackets(decrypted.packets);
		assert.deepEqual(inner.map(packet => packet.constructor.name), ['OnePassSignaturePacket', 'LiteralDataPacket', 'SignaturePacket']);
	});

	it('keeps a 67-byte registry payload well under the BEP 44 limit', async () => {
		const sealed = await seal({plaintext: randomBytes(67), signer: alice, recipient: bobCertificate});
		assert.ok(sealed.length >= 410 && sealed.length <= 425, `size ${sealed.length}`);
	});

	it('gives not-for-us to someone else, without an exception', async () => {
		const sealed = await seal({plaintext: text('for bob'), signer: alice, recipient: bobCertificate});
		assert.deepEqual(await open({sealed, recipient: alice, senders: [aliceCertificate, bobCertificate]}), {ok: false, reason: 'not-for-us'});
	});

	it('gives unknown-signer when the signer is not among the senders', async () => {
		const sealed = await seal({plaintext: text('hi'), signer: alice, recipient: bobCertificate});
		assert.deepEqual(await open({sealed, recipient: bob, senders: [bobCertificate]}), {ok: false, reason: 'unknown-signer'});
		assert.deepEqual(await open({sealed, recipient: bob, senders: []}), {ok: false, reason: 'unknown-signer'});
	});

	it('gives bad-signature when the signed data was changed before encryption', async () => {
		const signed = await openpgp.sign({message: await openpgp.createMessage({binary: text('pay 10'), format: 'binary'}), signingKeys: alice.privateKey, format: 'object'});
		const forged = await openpgp.createMessage({binary: text('pay 99'), format: 'binary'});
		signed.packets[1] = forged.packets[0]!;
		const subkey = bobCertificate.key.subkeys[0]!.keyPacket;
		const sessionKey = randomBytes(32);
		const sealed = writePackets(
			await encryptSessionKey(subkey, sessionKey, openpgp.enums.symmetric.aes256),
			await encryptData(signed.packets, sessionKey, openpgp.enums.symmetric.aes256),
		);
		assert.deepEqual(await open({sealed, recipient: bob, senders: [aliceCertificate]}), {ok: false, reason: 'bad-signature'});
	});

	it('gives bad-signature when the signer\'s key has expired by the time of opening', async () => {
		const created = new Date(Date.now() - (10 * day));
		const during = new Date(created.getTime() + 1000);
		const shortLived = await identityFrom(await makeKey({name: 'Brief', date: created, keyExpirationTime: 86_400}), during);
		const sealed = await seal({plaintext: text('soon gone'), signer: shortLived, recipient: bobCertificate, date: during});
		assert.equal((await open({sealed, recipient: bob, senders: [shortLived.certificate], date: during})).ok, true);
		assert.deepEqual(await open({sealed, recipient: bob, senders: [shortLived.certificate]}), {ok: false, reason: 'bad-signature'});
	});

	it('fails a message with a flipped byte in the encrypted data', async () => {
		const sealed = await seal({plaintext: text('intact'), signer: alice, recipient: bobCertificate});
		for (const offset of [sealed.length - 1, sealed.length - 30, 120]) {
			const tampered = sealed.slice();
			tampered[offset]! ^= 0x01;
			const result = await open({sealed: tampered, recipient: bob, senders: [aliceCertificate]});
			assert.equal(result.ok, false, `offset ${offset}`);
		}
	});

	it('returns malformed for garbage, truncation, trailing packets, oversize and emptiness', async () => {
		const sealed = await seal({plaintext: text('x'), signer: alice, recipient: bobCertificate});
		const marker = new Uint8Array([0xCA, 0x03, 0x50, 0x47, 0x50]);
		const inputs = [new Uint8Array(0), new Uint8Array(randomBytes(300)), sealed.subarray(0, 50), sealed.subarray(0, sealed.length - 10), new Uint8Array([...sealed, ...sealed]), new Uint8Array([...sealed, 0xC1, 0x01, 0x00]), new Uint8Array([...marker, ...sealed.subarray(1)])];
		for (const input of inputs) {
			const result = await open({sealed: input, recipient: bob, senders: [aliceCertificate]});
			assert.equal(result.ok, false);
		}

		assert.deepEqual(await open({sealed, recipient: bob, senders: [aliceCertificate], maxBytes: 100}), {ok: false, reason: 'malformed'});
		assert.deepEqual(await open({sealed: 'text' as never, recipient: bob, senders: [aliceCertificate]}), {ok: false, reason: 'malformed'});
	});

	it('works with an RFC 9580 (X25519) contact in both directions', async () => {
		const [carol, carolCertificate] = await Promise.all([fixtureIdentity('carol'), fixtureCertificate('carol')]);
		const toCarol = await seal({plaintext: text('to carol'), signer: alice, recipient: carolCertificate});
		assert.equal((await open({sealed: toCarol, recipient: carol, senders: [aliceCertificate]})).ok, true);
		const fromCarol = await seal({plaintext: text('from carol'), signer: carol, recipient: aliceCertificate});
		assert.equal((await open({sealed: fromCarol, recipient: alice, senders: [carolCertificate]})).ok, true);
	});
});

describe('certificates without user IDs', () => {
	it('can be sealed to, and their owner\'s signatures verify', async () => {
		const {certificates} = await readCertificates(stripUserIds(bobCertificate.key).write());
		const uidless = certificates[0]!;
		assert.deepEqual(uidless.userIds, []);
		// openpgp.js alone refuses this; seal must not.
		await assert.rejects(openpgp.encrypt({message: await openpgp.createMessage({text: 'x'}), encryptionKeys: uidless.key}), /primary user/);
		const toBob = await seal({plaintext: text('no uid'), signer: alice, recipient: uidless});
		assert.equal((await open({sealed: toBob, recipient: bob, senders: [aliceCertificate]})).ok, true);
		const fromBob = await seal({plaintext: text('still me'), signer: bob, recipient: aliceCertificate});
		const result = await open({sealed: fromBob, recipient: alice, senders: [uidless]});
		assert.ok(result.ok);
		assert.equal(result.signer.fingerprint, bob.fingerprint);
	});
});

describe('several encryption subkeys', () => {
	it('encrypts to the subkey selectEncryptionSubkey picks, and the owner opens it', async () => {
		const start = Date.now() - (5 * day);
		const key = await (await makeKey({name: 'Two', date: new Date(start)})).addSubkey({type: 'ecc', curve: 'curve25519Legacy', date: new Date(start + day)});
		const two = await identityFrom(key);
		const newest = key.subkeys[1]!;
		assert.equal(two.certificate.encryptionKey.fingerprint, newest.getFingerprint().toUpperCase());
		const sealed = await seal({plaintext: text('to the newest'), signer: alice, recipient: two.certificate});
		assert.equal((await open({sealed, recipient: two, senders: [aliceCertificate]})).ok, true);
		// Only the newest subkey's secret unwraps the session key.
		for (const [subkey, expected] of [[newest, true], [key.subkeys[0]!, false]] as const) {
			const message = await openpgp.readMessage({binaryMessage: sealed});
			const pkesk = message.packets[0] as unknown as {decrypt(key: openpgp.SecretSubkeyPacket): Promise<void>};
			const unwrapped = await pkesk.decrypt(subkey.keyPacket as openpgp.SecretSubkeyPacket).then(() => true, () => false);
			assert.equal(unwrapped, expected);
		}
	});

	it('refuses to seal to a certificate whose selected subkey has since been revoked', async () => {
		const key = await makeKey({name: 'Rev', date: new Date(Date.now() - day)});
		const {certificates} = await readCertificates(key.toPublic().armor());
		key.subkeys[0] = await key.subkeys[0]!.revoke(key.keyPacket as openpgp.SecretKeyPacket);
		const stale = {...certificates[0]!, key: key.toPublic()};
		await assert.rejects(seal({plaintext: text('x'), signer: alice, recipient: stale}), /no longer valid/);
	});
});

describe('fresh identities', () => {
	it('generated identities talk to each other', async () => {
		const [erin, frank] = await Promise.all([
			generateIdentity({userId: 'Erin <erin@example.org>', passphrase: 'p', protection: testKeyProtection}),
			generateIdentity({userId: 'Frank <frank@example.org>', passphrase: 'p', protection: testKeyProtection}),
		]);
		const sealed = await seal({plaintext: text('hi frank'), signer: erin.identity, recipient: frank.identity.certificate});
		const result = await open({sealed, recipient: frank.identity, senders: [erin.identity.certificate]});
		assert.ok(result.ok);
		assert.equal(new TextDecoder().decode(result.plaintext), 'hi frank');
	});
});
