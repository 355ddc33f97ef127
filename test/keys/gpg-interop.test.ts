import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {
	CertificateRejectedError,
	defaultKeyProtection,
	exportPublicKey,
	importSecretKey,
	open,
	pairSecret,
	readCertificates,
	readKeyProtection,
	seal,
	unlockIdentity,
	type Identity,
} from '../../source/keys/index.js';
import {fixtureCertificate, fixtureIdentity, hex} from '../helpers/key-fixtures.js';
import {fingerprintOf, makeGnupgHome, type GnupgHome} from '../helpers/gnupg.js';

const passphrase = 'gpg test passphrase';
const text = (value: string) => new TextEncoder().encode(value);

let gnupg: GnupgHome;
let alice: Identity;
let gpgFingerprint: string;
let signOnlyFingerprint: string;

before(async () => {
	gnupg = makeGnupgHome();
	alice = await fixtureIdentity('alice');
	const pass = ['--passphrase', passphrase];
	gnupg.gpg([...pass, '--quick-gen-key', 'Gina Gpg <gina@example.org>', 'ed25519', 'cert,sign', 'never']);
	gpgFingerprint = fingerprintOf(gnupg, 'gina@example.org');
	gnupg.gpg([...pass, '--quick-add-key', gpgFingerprint, 'cv25519', 'encr', 'never']);
	gnupg.gpg([...pass, '--quick-gen-key', 'Sid Signonly <sid@example.org>', 'ed25519', 'cert,sign', 'never']);
	signOnlyFingerprint = fingerprintOf(gnupg, 'sid@example.org');
});

after(() => {
	gnupg?.close();
});

describe('GnuPG interop', () => {
	it('imports a gpg key with a cv25519 subkey, re-locked with Argon2: seal/open both ways and the same pair secret', async () => {
		const exported = gnupg.gpg(['--passphrase', passphrase, '--armor', '--export-secret-keys', gpgFingerprint]).stdout.toString('utf8');
		const {identity: gina, armoredSecretKey} = await importSecretKey({input: exported, passphrase});
		assert.equal(gina.fingerprint, gpgFingerprint);
		assert.equal(gina.userId, 'Gina Gpg <gina@example.org>');
		assert.match(armoredSecretKey, /BEGIN PGP PRIVATE KEY BLOCK/);
		// GnuPG's iterated S2K is not kept: the key umbra stores costs the production Argon2.
		assert.deepEqual(await readKeyProtection({armoredSecretKey}), defaultKeyProtection);
		assert.equal((await unlockIdentity({armoredSecretKey, passphrase})).fingerprint, gpgFingerprint);

		const aliceCertificate = await fixtureCertificate('alice');
		const toGina = await seal({plaintext: text('hello gina'), signer: alice, recipient: gina.certificate});
		const opened = await open({sealed: toGina, recipient: gina, senders: [aliceCertificate]});
		assert.ok(opened.ok);
		assert.equal(new TextDecoder().decode(opened.plaintext), 'hello gina');
		const toAlice = await seal({plaintext: text('hello alice'), signer: gina, recipient: aliceCertificate});
		assert.equal((await open({sealed: toAlice, recipient: alice, senders: [gina.certificate]})).ok, true);

		assert.equal(hex(pairSecret({own: gina, contact: aliceCertificate})), hex(pairSecret({own: alice, contact: gina.certificate})));
	});

	it('gpg itself decrypts and verifies what umbra sealed, trying its keys against the random hint', async () => {
		gnupg.gpg(['--import'], exportPublicKey(alice));
		const ginaCertificate = (await readCertificates(gnupg.gpg(['--armor', '--export', gpgFingerprint]).stdout)).certificates[0]!;
		const sealed = await seal({plaintext: text('read me, gpg'), signer: alice, recipient: ginaCertificate});
		const result = gnupg.gpgStatus(['--passphrase', passphrase, '--try-all-secrets', '--status-fd', '2', '--decrypt'], sealed);
		assert.equal(result.status, 0, result.stderr);
		assert.equal(result.stdout.toString('utf8'), 'read me, gpg');
		assert.match(result.stderr, new RegExp(`VALIDSIG ${alice.fingerprint}`));
	});

	it('refuses a gpg key without a cv25519 subkey, naming gpg --quick-add-key', async () => {
		const exported = gnupg.gpg(['--passphrase', passphrase, '--armor', '--export-secret-keys', signOnlyFingerprint]).stdout.toString('utf8');
		await assert.rejects(importSecretKey({input: exported, passphrase}), (error: unknown) =>
			error instanceof CertificateRejectedError
			&& error.code === 'no-encryption-subkey'
			&& error.message.includes(`gpg --quick-add-key ${signOnlyFingerprint} cv25519 encr`));
	});

	it('refuses a gpg secret-subkeys export (primary secret is a stub)', async () => {
		const exported = gnupg.gpg(['--passphrase', passphrase, '--armor', '--export-secret-subkeys', gpgFingerprint]).stdout.toString('utf8');
		await assert.rejects(importSecretKey({input: exported, passphrase}), (error: unknown) => error instanceof CertificateRejectedError && error.code === 'no-secret-material');
	});

	it('gpg imports umbra\'s public key and verifies umbra\'s detached and inline signatures', async () => {
		const imported = gnupg.gpg(['--import'], exportPublicKey(alice));
		assert.match(imported.stderr, /Alice/);
		const data = text('signed by umbra\n');
		const detached = await openpgp.sign({message: await openpgp.createMessage({binary: data}), signingKeys: alice.privateKey, detached: true, format: 'binary'});
		const dataPath = join(gnupg.home, 'data.txt');
		const signaturePath = join(gnupg.home, 'data.txt.sig');
		writeFileSync(dataPath, data);
		writeFileSync(signaturePath, detached);
		const verified = gnupg.gpgStatus(['--status-fd', '2', '--verify', signaturePath, dataPath]);
		assert.equal(verified.status, 0, verified.stderr);
		assert.match(verified.stderr, new RegExp(`VALIDSIG ${alice.fingerprint}`));

		const inline = await openpgp.sign({message: await openpgp.createMessage({binary: data}), signingKeys: alice.privateKey, format: 'binary'});
		const inlineResult = gnupg.gpgStatus(['--status-fd', '2', '--decrypt'], inline);
		assert.equal(inlineResult.status, 0, inlineResult.stderr);
		assert.match(inlineResult.stderr, /GOODSIG/);

		const tampered = gnupg.gpgStatus(['--verify', signaturePath, '-'], 'not the data');
		assert.notEqual(tampered.status, 0);
	});

	it('reads a multi-key gpg --export as several certificates, rejecting the unusable one', async () => {
		gnupg.gpg(['--import'], exportPublicKey(alice));
		for (const output of [gnupg.gpg(['--export']).stdout, gnupg.gpg(['--armor', '--export']).stdout.toString('utf8')]) {
			const {certificates, rejected} = await readCertificates(output);
			assert.deepEqual(certificates.map(certificate => certificate.fingerprint).sort(), [alice.fingerprint, gpgFingerprint].sort());
			assert.deepEqual(rejected.map(rejection => rejection.fingerprint), [signOnlyFingerprint]);
		}
	});
});
