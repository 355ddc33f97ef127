import assert from 'node:assert/strict';
import {createPrivateKey, createPublicKey} from 'node:crypto';
import {describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {
	CertificateRejectedError,
	defaultKeyProtection,
	exportPublicKey,
	generateIdentity,
	importSecretKey,
	KeysError,
	lockIdentity,
	readCertificates,
	readKeyProtection,
	readPublicIdentity,
	SecretKeyImportError,
	unlockIdentity,
	UnknownOptionError,
	WrongPassphraseError,
} from '../../source/keys/index.js';
import {errorMatching, fixtureIdentity, fixturePassphrase, fixtureText, hex, makeKey, testKeyProtection} from '../helpers/key-fixtures.js';
import {secretPacketProtections} from '../helpers/s2k-packets.js';

const day = 24 * 60 * 60 * 1000;

function x25519Public(privateKey: Uint8Array): string {
	const key = createPrivateKey({key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privateKey]), format: 'der', type: 'pkcs8'});
	return Buffer.from(createPublicKey(key).export({format: 'jwk'}).x ?? '', 'base64url').toString('hex');
}

function ed25519Public(seed: Uint8Array): string {
	const key = createPrivateKey({key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8'});
	return Buffer.from(createPublicKey(key).export({format: 'jwk'}).x ?? '', 'base64url').toString('hex');
}

describe('generateIdentity', () => {
	it('makes a v4 EdDSA + legacy ECDH Curve25519 key, locked with the passphrase under production Argon2', async () => {
		const date = new Date('2026-03-01T12:00:00Z');
		const {armoredSecretKey, identity} = await generateIdentity({userId: 'Dave <dave@example.org>', passphrase: 'secret words', date});
		// No protection given: production's, Argon2id over 128 MiB (2^17 KiB), 3 passes, 4 lanes, under AEAD (OCB).
		assert.deepEqual(defaultKeyProtection, {passes: 3, parallelism: 4, memoryExponent: 17});
		const protections = await secretPacketProtections(armoredSecretKey);
		assert.deepEqual(protections.map(({tag, usage, s2kType, argon2}) => ({tag, usage, s2kType, argon2})), [5, 7].map(tag => ({tag, usage: 253, s2kType: 4, argon2: defaultKeyProtection})));
		assert.deepEqual(await readKeyProtection({armoredSecretKey}), defaultKeyProtection);
		assert.equal((await unlockIdentity({armoredSecretKey, passphrase: 'secret words'})).fingerprint, identity.fingerprint);
		assert.equal(identity.privateKey.keyPacket.algorithm, openpgp.enums.publicKey.eddsaLegacy);
		assert.equal(identity.privateKey.subkeys[0]?.keyPacket.algorithm, openpgp.enums.publicKey.ecdh);
		assert.equal(identity.privateKey.subkeys[0]?.getAlgorithmInfo().curve, 'curve25519Legacy');
		assert.equal(identity.privateKey.keyPacket.version, 4);
		assert.equal(identity.certificate.created.getTime(), date.getTime());
		assert.equal(identity.userId, 'Dave <dave@example.org>');
		const stored = await openpgp.readPrivateKey({armoredKey: armoredSecretKey});
		assert.equal(stored.isDecrypted(), false);
		assert.equal(identity.privateKey.isDecrypted(), true);
	});

	it('extracts raw keys that match the public key packets', async () => {
		const {identity} = await generateIdentity({userId: 'Erin <erin@example.org>', passphrase: 'p', protection: testKeyProtection});
		assert.equal(x25519Public(identity.x25519Private), hex(identity.certificate.encryptionKey.x25519));
		assert.equal(ed25519Public(identity.ed25519Seed), hex(identity.certificate.signingPublicKey));
	});

	it('refuses an empty passphrase and a user ID with control characters', async () => {
		await assert.rejects(generateIdentity({userId: 'F <f@example.org>', passphrase: ''}), errorMatching(KeysError, /passphrase/));
		await assert.rejects(generateIdentity({userId: 'F\u001B[2J <f@example.org>', passphrase: 'p'}), errorMatching(KeysError, /printable/));
	});

	it('rejects unknown options', async () => {
		await assert.rejects(generateIdentity({userId: 'G', passphrase: 'p', expires: 1} as never), UnknownOptionError);
	});
});

describe('unlockIdentity', () => {
	it('unlocks the fixtures, legacy and RFC 9580, with matching raw keys', async () => {
		for (const name of ['alice', 'carol'] as const) {
			const identity = await fixtureIdentity(name);
			assert.equal(x25519Public(identity.x25519Private), hex(identity.certificate.encryptionKey.x25519));
			assert.equal(ed25519Public(identity.ed25519Seed), hex(identity.certificate.signingPublicKey));
		}
	});

	it('throws WrongPassphraseError for a wrong passphrase', async () => {
		await assert.rejects(unlockIdentity({armoredSecretKey: fixtureText('alice.sec.asc'), passphrase: 'wrong'}), WrongPassphraseError);
	});

	it('refuses a public key where a secret key belongs', async () => {
		await assert.rejects(unlockIdentity({armoredSecretKey: fixtureText('alice.pub.asc'), passphrase: fixturePassphrase}), errorMatching(SecretKeyImportError, /--export-secret-keys/));
	});
});

describe('importSecretKey', () => {
	it('imports an armored or binary secret key and re-locks it with the new passphrase', async () => {
		const secret = await openpgp.readPrivateKey({armoredKey: fixtureText('bob.sec.asc')});
		for (const input of [fixtureText('bob.sec.asc'), secret.write()]) {
			const {armoredSecretKey, identity} = await importSecretKey({input, passphrase: fixturePassphrase, newPassphrase: 'new one', protection: testKeyProtection});
			assert.deepEqual(await readKeyProtection({armoredSecretKey}), testKeyProtection);
			assert.equal(identity.fingerprint, '742D1F0A17EF7A9474CF5E090C735CA268098AA7');
			const again = await unlockIdentity({armoredSecretKey, passphrase: 'new one'});
			assert.equal(hex(again.x25519Private), hex(identity.x25519Private));
			await assert.rejects(unlockIdentity({armoredSecretKey, passphrase: fixturePassphrase}), WrongPassphraseError);
		}
	});

	it('refuses a wrong passphrase', async () => {
		await assert.rejects(importSecretKey({input: fixtureText('bob.sec.asc'), passphrase: 'nope'}), WrongPassphraseError);
	});

	it('refuses an expired key', async () => {
		const key = await makeKey({date: new Date(Date.now() - (10 * day)), keyExpirationTime: 86_400});
		await assert.rejects(importSecretKey({input: key.armor(), passphrase: '', newPassphrase: 'p'}), errorMatching(CertificateRejectedError, /expired/));
	});

	it('refuses a revoked key', async () => {
		const {privateKey} = await openpgp.revokeKey({key: await makeKey(), format: 'object'});
		await assert.rejects(importSecretKey({input: privateKey.armor(), passphrase: '', newPassphrase: 'p'}), errorMatching(CertificateRejectedError, /revoked/));
	});

	it('refuses a key whose primary secret is a GnuPG stub', async () => {
		const key = await makeKey();
		(key.keyPacket as openpgp.SecretKeyPacket).makeDummy();
		await assert.rejects(importSecretKey({input: key.armor(), passphrase: '', newPassphrase: 'p'}), (error: unknown) => error instanceof CertificateRejectedError && error.code === 'no-secret-material' && /--export-secret-keys/.test(error.message));
	});

	it('refuses a key whose encryption subkey secret is a GnuPG stub', async () => {
		const key = await makeKey();
		(key.subkeys[0]!.keyPacket as openpgp.SecretSubkeyPacket).makeDummy();
		await assert.rejects(importSecretKey({input: key.armor(), passphrase: '', newPassphrase: 'p'}), (error: unknown) => error instanceof CertificateRejectedError && error.code === 'no-secret-material');
	});

	it('refuses several secret keys at once, and an unprotected result', async () => {
		const both = (await makeKey()).armor() + '\n' + (await makeKey()).armor();
		await assert.rejects(importSecretKey({input: both, passphrase: '', newPassphrase: 'p'}), errorMatching(SecretKeyImportError, /exactly one/));
		await assert.rejects(importSecretKey({input: (await makeKey()).armor(), passphrase: ''}), errorMatching(KeysError, /empty passphrase/));
	});
});

describe('readKeyProtection and lockIdentity', () => {
	it('reads no Argon2 protection from an iterated-S2K key (GnuPG\'s, an older umbra\'s), and the weakest of a key\'s packets', async () => {
		assert.equal(await readKeyProtection({armoredSecretKey: fixtureText('alice.sec.asc')}), undefined);
		const identity = await fixtureIdentity('alice');
		const armored = await lockIdentity({identity, passphrase: 'p', protection: testKeyProtection});
		assert.deepEqual(await readKeyProtection({armoredSecretKey: armored}), testKeyProtection);
		// The primary re-locked more dearly than its subkey: the cheaper one is what an attacker picks.
		const mixed = await openpgp.readPrivateKey({armoredKey: armored});
		const primary = mixed.keyPacket as openpgp.SecretKeyPacket;
		await primary.decrypt('p');
		await primary.encrypt('p', {...openpgp.config, s2kType: openpgp.enums.s2k.argon2, aeadProtect: true, s2kArgon2Params: {passes: 2, parallelism: 2, memoryExponent: 4}});
		assert.deepEqual((await secretPacketProtections(mixed.armor())).map(packet => packet.argon2), [{passes: 2, parallelism: 2, memoryExponent: 4}, testKeyProtection]);
		assert.deepEqual(await readKeyProtection({armoredSecretKey: mixed.armor()}), testKeyProtection);
		await assert.rejects(lockIdentity({identity, passphrase: '', protection: testKeyProtection}), errorMatching(KeysError, /empty passphrase/));
		await assert.rejects(readKeyProtection({armoredSecretKey: fixtureText('alice.sec.asc'), passphrase: 'p'} as never), UnknownOptionError);
	});
});

describe('exportPublicKey', () => {
	it('exports a public key that reads back as the same certificate, without secrets', async () => {
		const identity = await fixtureIdentity('alice');
		const armored = exportPublicKey(identity);
		assert.match(armored, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
		const {certificates} = await readCertificates(armored);
		assert.equal(certificates[0]?.fingerprint, identity.fingerprint);
		assert.equal(certificates[0]?.key.isPrivate(), false);
	});
});

describe('readPublicIdentity', () => {
	it('reads the public half of a locked secret key, without its passphrase, as unlocking would', async () => {
		const armoredSecretKey = fixtureText('bob.sec.asc');
		const shown = await readPublicIdentity({armoredSecretKey});
		const unlocked = await fixtureIdentity('bob');
		assert.deepEqual([shown.fingerprint, shown.keyId, shown.userId], [unlocked.fingerprint, unlocked.keyId, unlocked.userId]);
		assert.equal(shown.userId, 'Bob <bob@example.org>');
		assert.match(shown.armoredPublicKey, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
		const {certificates} = await readCertificates(shown.armoredPublicKey);
		assert.equal(certificates[0]?.fingerprint, unlocked.fingerprint);
		assert.equal(certificates[0]?.key.isPrivate(), false);
	});

	it('refuses a file with no secret key, and unknown options', async () => {
		await assert.rejects(readPublicIdentity({armoredSecretKey: fixtureText('bob.pub.asc')}), SecretKeyImportError);
		await assert.rejects(readPublicIdentity({armoredSecretKey: fixtureText('bob.sec.asc'), passphrase: 'p'} as never), UnknownOptionError);
	});
});
