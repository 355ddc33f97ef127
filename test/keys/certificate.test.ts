import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {
	InputTooLargeError,
	MalformedCertificateError,
	readCertificates,
	selectEncryptionSubkey,
	UnknownOptionError,
} from '../../source/keys/index.js';
import {errorMatching, fixtureCertificate, fixtureText, makeKey, stripUserIds} from '../helpers/key-fixtures.js';

const day = 24 * 60 * 60 * 1000;

describe('readCertificates', () => {
	it('reads the fixture and fills in every field', async () => {
		const alice = await fixtureCertificate('alice');
		assert.equal(alice.fingerprint, 'EA078F743A76E8E2F4FC9812E0B6DFE5EED68FF3');
		assert.equal(alice.keyId, 'E0B6DFE5EED68FF3');
		assert.deepEqual(alice.userIds, ['Alice <alice@example.org>']);
		assert.equal(alice.created.toISOString(), '2026-01-01T00:00:00.000Z');
		assert.equal(alice.signingPublicKey.length, 32);
		assert.equal(alice.encryptionKey.x25519.length, 32);
		assert.equal(alice.encryptionKey.fingerprint, alice.key.subkeys[0]?.getFingerprint().toUpperCase());
		assert.equal(alice.encryptionKey.keyId, alice.encryptionKey.fingerprint.slice(-16));
	});

	it('reads an RFC 9580 (X25519/Ed25519) certificate', async () => {
		const carol = await fixtureCertificate('carol');
		assert.equal(carol.key.subkeys[0]?.keyPacket.algorithm, openpgp.enums.publicKey.x25519);
		assert.deepEqual(carol.userIds, ['Carol <carol@example.org>']);
	});

	it('reads several keys, armored as one block, as several blocks, and binary', async () => {
		const keys = await Promise.all(['alice', 'bob', 'carol'].map(async name => openpgp.readKey({armoredKey: fixtureText(`${name}.pub.asc`)})));
		const binary = new Uint8Array(Buffer.concat(keys.map(key => key.write())));
		const oneBlock = openpgp.armor(openpgp.enums.armor.publicKey, binary);
		const blocks = keys.map(key => key.armor()).join('\n');
		for (const input of [binary, oneBlock, blocks, new TextEncoder().encode(blocks)]) {
			const {certificates, rejected} = await readCertificates(input);
			assert.deepEqual(certificates.map(certificate => certificate.keyId).sort(), keys.map(key => key.getKeyID().toHex().toUpperCase()).sort());
			assert.deepEqual(rejected, []);
		}
	});

	it('keeps only the public parts of a pasted secret key', async () => {
		const {certificates} = await readCertificates(fixtureText('alice.sec.asc'));
		assert.equal(certificates[0]?.key.isPrivate(), false);
	});

	it('reads a certificate without user IDs', async () => {
		const key = stripUserIds((await makeKey()).toPublic());
		assert.equal(key.users.length, 0);
		const {certificates, rejected} = await readCertificates(key.armor());
		assert.deepEqual(rejected, []);
		assert.deepEqual(certificates[0]?.userIds, []);
		assert.equal(certificates[0]?.fingerprint, key.getFingerprint().toUpperCase());
	});

	it('drops user IDs without a valid self-signature and strips control characters from the rest', async () => {
		const key = await makeKey({name: 'Mallory'});
		const {privateKey} = await openpgp.reformatKey({privateKey: key, userIDs: [{name: 'Evil\u001B]52;c;eA==\u0007 \u202Egro.elpmaxe'}], format: 'object'});
		const {certificates} = await readCertificates(privateKey.toPublic().armor());
		assert.deepEqual(certificates[0]?.userIds, ['Evil gro.elpmaxe']);
	});

	it('rejects an expired key with the reason and how to extend it', async () => {
		const key = await makeKey({date: new Date(Date.now() - (10 * day)), keyExpirationTime: 86_400});
		const {certificates, rejected} = await readCertificates(key.toPublic().armor());
		assert.equal(certificates.length, 0);
		assert.match(rejected[0]?.reason ?? '', /expired.*--quick-set-expire/s);
		assert.equal(rejected[0]?.fingerprint, key.getFingerprint().toUpperCase());
	});

	it('accepts the same key at a date before it expired', async () => {
		const created = new Date(Date.now() - (10 * day));
		const key = await makeKey({date: created, keyExpirationTime: 86_400});
		const {certificates} = await readCertificates(key.toPublic().armor(), {date: new Date(created.getTime() + 1000)});
		assert.equal(certificates.length, 1);
	});

	it('rejects a revoked key', async () => {
		const {publicKey} = await openpgp.revokeKey({key: await makeKey(), format: 'armored'});
		const {rejected} = await readCertificates(publicKey);
		assert.match(rejected[0]?.reason ?? '', /revoked/);
	});

	it('rejects a UID-less revoked key too', async () => {
		const {publicKey} = await openpgp.revokeKey({key: await makeKey(), format: 'object'});
		const {rejected} = await readCertificates(stripUserIds(publicKey).armor());
		assert.match(rejected[0]?.reason ?? '', /revoked/);
	});

	it('rejects a key without a Curve25519 encryption subkey, naming gpg --quick-add-key', async () => {
		const {privateKey} = await openpgp.generateKey({type: 'ecc', curve: 'curve25519Legacy', userIDs: [{name: 'Signer'}], subkeys: [{sign: true}], format: 'object'});
		const {rejected} = await readCertificates(privateKey.toPublic().armor());
		const fingerprint = privateKey.getFingerprint().toUpperCase();
		assert.ok(rejected[0]?.reason.includes(`gpg --quick-add-key ${fingerprint} cv25519 encr`), rejected[0]?.reason);
	});

	it('rejects a key whose only encryption subkey is on another curve', async () => {
		const {privateKey} = await openpgp.generateKey({type: 'ecc', curve: 'nistP256', userIDs: [{name: 'P256'}], format: 'object'});
		const {rejected} = await readCertificates(privateKey.toPublic().armor());
		assert.equal(rejected.length, 1);
	});

	it('rejects an RSA key', async () => {
		const {privateKey} = await openpgp.generateKey({type: 'rsa', rsaBits: 2048, userIDs: [{name: 'RSA'}], format: 'object'});
		const {rejected} = await readCertificates(privateKey.toPublic().armor());
		assert.match(rejected[0]?.reason ?? '', /Ed25519 primary/);
	});

	it('throws MalformedCertificateError for garbage, truncated, empty and binary junk', async () => {
		const armored = fixtureText('alice.pub.asc');
		const binary = (await openpgp.readKey({armoredKey: armored})).write();
		const inputs: Array<string | Uint8Array> = [
			'hello',
			'',
			armored.slice(0, armored.length / 2),
			armored.replace(/[a-z]/, '!'),
			'-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----',
			binary.subarray(0, 40),
			new Uint8Array(randomBytes(500)),
			new Uint8Array(0),
			new Uint8Array([0x99, 0xff, 0xff]),
		];
		for (const input of inputs) {
			await assert.rejects(readCertificates(input), MalformedCertificateError);
		}
	});

	it('throws InputTooLargeError before parsing an oversized input', async () => {
		await assert.rejects(readCertificates('x'.repeat((1024 * 1024) + 1)), InputTooLargeError);
		await assert.rejects(readCertificates(fixtureText('alice.pub.asc'), {maxBytes: 100}), errorMatching(InputTooLargeError, /more than the 100 bytes/));
	});

	it('rejects unknown options', async () => {
		await assert.rejects(readCertificates(fixtureText('alice.pub.asc'), {dat: new Date()} as never), UnknownOptionError);
	});
});

describe('selectEncryptionSubkey', () => {
	it('picks the newest of two valid Curve25519 subkeys, including an RFC 9580 one', async () => {
		const start = Date.now() - (10 * day);
		const key = await makeKey({date: new Date(start)});
		const withX25519 = await key.addSubkey({type: 'curve25519', date: new Date(start + day)});
		const newer = withX25519.subkeys[1]!;
		const selected = await selectEncryptionSubkey(withX25519.toPublic(), new Date());
		assert.equal(selected?.fingerprint, newer.getFingerprint().toUpperCase());
		// Before the second subkey existed, the first is the only choice.
		const early = await selectEncryptionSubkey(withX25519.toPublic(), new Date(start + 1000));
		assert.equal(early?.fingerprint, key.subkeys[0]?.getFingerprint().toUpperCase());
	});

	it('breaks a tie of creation times by the greater fingerprint', async () => {
		const date = new Date(Date.now() - day);
		const key = await (await makeKey({date})).addSubkey({type: 'ecc', curve: 'curve25519Legacy', date});
		const fingerprints = key.subkeys.map(subkey => subkey.getFingerprint().toUpperCase()).sort();
		assert.equal(fingerprints.length, 2);
		assert.equal((await selectEncryptionSubkey(key.toPublic(), new Date()))?.fingerprint, fingerprints[1]);
		const {certificates} = await readCertificates(key.toPublic().armor());
		assert.equal(certificates[0]?.encryptionKey.fingerprint, fingerprints[1]);
	});

	it('skips a revoked newer subkey', async () => {
		const start = Date.now() - (10 * day);
		const key = await (await makeKey({date: new Date(start)})).addSubkey({type: 'ecc', curve: 'curve25519Legacy', date: new Date(start + day)});
		const revoked = await key.subkeys[1]!.revoke(key.keyPacket as openpgp.SecretKeyPacket, undefined, new Date(start + (2 * day)));
		key.subkeys[1] = revoked;
		const selected = await selectEncryptionSubkey(key.toPublic(), new Date());
		assert.equal(selected?.fingerprint, key.subkeys[0]?.getFingerprint().toUpperCase());
	});

	it('returns undefined for a key with no encryption subkey', async () => {
		const {privateKey} = await openpgp.generateKey({type: 'ecc', curve: 'curve25519Legacy', userIDs: [{name: 'S'}], subkeys: [{sign: true}], format: 'object'});
		assert.equal(await selectEncryptionSubkey(privateKey, new Date()), undefined);
	});
});
