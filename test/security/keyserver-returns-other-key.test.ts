// Attack: the keyserver (or whoever sits between us and it) answers a lookup for Alice's key ID
// with Mallory's key, or with Alice's key plus extra keys, or with a key whose SUBKEY has the
// asked ID. Only a primary key with exactly the asked ID (or fingerprint) may come back.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import * as openpgp from 'openpgp';
import {certificateMatching, CertificateNotFoundError, parseKeyQuery} from '../../source/keys/index.js';
import {fixtureCertificate, fixtureText, makeKey} from '../helpers/key-fixtures.js';

it('is not-found when the answer holds only other keys', async () => {
	const alice = await fixtureCertificate('alice');
	const answer = fixtureText('bob.pub.asc') + fixtureText('carol.pub.asc');
	await assert.rejects(certificateMatching(answer, parseKeyQuery(alice.keyId)), CertificateNotFoundError);
	await assert.rejects(certificateMatching(answer, parseKeyQuery(alice.fingerprint)), CertificateNotFoundError);
});

it('picks exactly the asked key out of an answer with extra keys, by key ID and by fingerprint', async () => {
	const alice = await fixtureCertificate('alice');
	const answer = fixtureText('bob.pub.asc') + fixtureText('alice.pub.asc') + fixtureText('carol.pub.asc');
	for (const query of [parseKeyQuery(alice.keyId), parseKeyQuery(alice.fingerprint)]) {
		const certificate = await certificateMatching(answer, query);
		assert.equal(certificate.fingerprint, alice.fingerprint);
	}
});

it('does not accept a key whose subkey, not primary, has the asked ID', async () => {
	const alice = await fixtureCertificate('alice');
	await assert.rejects(certificateMatching(fixtureText('alice.pub.asc'), parseKeyQuery(alice.encryptionKey.keyId)), CertificateNotFoundError);
	await assert.rejects(certificateMatching(fixtureText('alice.pub.asc'), parseKeyQuery(alice.encryptionKey.fingerprint)), CertificateNotFoundError);
});

it('does not accept a fingerprint that merely ends like the asked key ID', async () => {
	const alice = await fixtureCertificate('alice');
	const other = `${alice.fingerprint.slice(0, 39)}${alice.fingerprint.endsWith('0') ? '1' : '0'}`;
	await assert.rejects(certificateMatching(fixtureText('alice.pub.asc'), parseKeyQuery(other)), CertificateNotFoundError);
});

it('merges two copies of one key (as keyservers send) instead of treating them as two keys', async () => {
	const mallory = await makeKey({name: 'Mallory', date: new Date(Date.now() - 60_000)});
	const renamed = await openpgp.reformatKey({privateKey: mallory, userIDs: [{name: 'Mallory Two'}], format: 'object'});
	const answer = fixtureText('alice.pub.asc') + mallory.toPublic().armor() + renamed.publicKey.armor();
	const merged = await certificateMatching(answer, parseKeyQuery(mallory.getKeyID().toHex()));
	assert.equal(merged.fingerprint, mallory.getFingerprint().toUpperCase());
	assert.deepEqual(merged.userIds.sort(), ['Mallory <mallory@example.org>', 'Mallory Two']);
});
