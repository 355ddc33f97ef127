import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {CertificateMismatchError, certificateStatus, describeChange, mergeCertificate, readPublicKeys} from '../../source/keys/index.js';
import {makeGnupgHome} from '../helpers/gnupg.js';
import {makeKey} from '../helpers/key-fixtures.js';

const day = 24 * 60 * 60 * 1000;

/** The same key with new self-signatures made at `date`: how its owner extends it. */
async function extended(privateKey: openpgp.PrivateKey, date: Date, keyExpirationTime: number): Promise<openpgp.PublicKey> {
	const {publicKey} = await openpgp.reformatKey({privateKey, userIDs: [{name: 'Test', email: 'test@example.org'}], date, keyExpirationTime, format: 'object'});
	return publicKey;
}

describe('certificateStatus', () => {
	it('says valid, with the expiry date, for a current key', async () => {
		const key = await makeKey({keyExpirationTime: 10 * day / 1000});
		const status = await certificateStatus(key.toPublic().write());
		assert.equal(status.state, 'valid');
		assert.ok(status.certificate);
		assert.deepEqual(status.userIds, ['Test <test@example.org>']);
		assert.equal(status.expiresAt?.getTime(), key.getCreationTime().getTime() + (10 * day));
	});

	it('says expired for a key past its expiry, and keeps its user IDs', async () => {
		const key = await makeKey({date: new Date(Date.now() - (10 * day)), keyExpirationTime: 5 * day / 1000});
		const status = await certificateStatus(key.toPublic().write());
		assert.equal(status.state, 'expired');
		assert.equal(status.certificate, undefined);
		assert.deepEqual(status.userIds, ['Test <test@example.org>']);
		assert.match(status.reason, /expired/);
	});

	it('says revoked for a revoked key', async () => {
		const key = await makeKey();
		const {publicKey} = await openpgp.revokeKey({key, format: 'object'});
		assert.equal((await certificateStatus(publicKey)).state, 'revoked');
	});
});

describe('mergeCertificate', () => {
	it('learns a revocation and says so', async () => {
		const key = await makeKey();
		const {publicKey: revoked} = await openpgp.revokeKey({key, format: 'object'});
		const result = await mergeCertificate(key.toPublic().write(), revoked);
		assert.equal(result.before.state, 'valid');
		assert.equal(result.after.state, 'revoked');
		assert.deepEqual(result.changes, [{kind: 'revoked'}]);
		assert.ok(result.changed);
		assert.equal((await certificateStatus(result.bytes)).state, 'revoked', 'the merged bytes hold the revocation');
		assert.match(describeChange('Bob', result.changes[0]!), /^Bob's key was revoked/);
	});

	it('brings an expired key back when the copy extends it, and reports the new date', async () => {
		const created = new Date(Date.now() - (10 * day));
		const key = await makeKey({date: created, keyExpirationTime: 5 * day / 1000});
		const newer = await extended(key, new Date(Date.now() - 1000), 400 * day / 1000);
		const result = await mergeCertificate(key.toPublic().write(), newer);
		assert.equal(result.before.state, 'expired');
		assert.equal(result.after.state, 'valid');
		const expiresAt = new Date(key.getCreationTime().getTime() + (400 * day));
		assert.deepEqual(result.changes, [{kind: 'valid-again'}, {kind: 'expiry', expiresAt}]);
		assert.equal(describeChange('Bob', result.changes[1]!), `Bob's key now expires ${expiresAt.toISOString().slice(0, 10)}.`);
	});

	it('an older copy changes nothing', async () => {
		const key = await makeKey({date: new Date(Date.now() - 60_000), keyExpirationTime: 5 * day / 1000});
		const newer = await extended(key, new Date(Date.now() - 1000), 0);
		const merged = await mergeCertificate(key.toPublic().write(), newer);
		assert.deepEqual(merged.changes, [{kind: 'expiry', expiresAt: undefined}]);
		const again = await mergeCertificate(merged.bytes, key.toPublic());
		assert.deepEqual(again.changes, []);
		assert.equal(again.changed, false);
		assert.equal(again.after.expiresAt, undefined, 'the newer expiry stays');
	});

	it('ignores a forged, newer subkey binding (a keyserver cannot break the subkey)', async () => {
		const key = await makeKey();
		const copy = await openpgp.readKey({binaryKey: key.toPublic().write()});
		const binding = copy.subkeys[0]!.bindingSignatures[0]!;
		binding.created = new Date(Date.now() + 1000);
		binding.signedHashValue = binding.signedHashValue!.map(byte => byte ^ 0xFF);
		const result = await mergeCertificate(key.toPublic().write(), copy as openpgp.PublicKey);
		assert.equal(result.after.state, 'valid');
		assert.deepEqual(result.changes, []);
	});

	it('refuses another key\'s copy', async () => {
		const [one, other] = await Promise.all([makeKey(), makeKey()]);
		await assert.rejects(mergeCertificate(one.toPublic().write(), other.toPublic()), CertificateMismatchError);
	});

	it('merges what gpg writes: a new expiry, then the revocation gpg made when it made the key', async () => {
		const gnupg = makeGnupgHome();
		try {
			const pass = ['--passphrase', ''];
			gnupg.gpg([...pass, '--quick-gen-key', 'Gus <gus@example.org>', 'ed25519', 'cert,sign', '1y']);
			const listing = gnupg.gpg(['--with-colons', '--list-keys', 'gus@example.org']).stdout.toString('utf8');
			const fingerprint = listing.split('\n').find(row => row.startsWith('fpr:'))!.split(':')[9]!;
			gnupg.gpg([...pass, '--quick-add-key', fingerprint, 'cv25519', 'encr', '1y']);
			const exported = async () => (await readPublicKeys(gnupg.gpg(['--export', fingerprint]).stdout))[0]!;
			const first = await exported();
			assert.equal((await certificateStatus(first)).state, 'valid');

			gnupg.gpg([...pass, '--quick-set-expire', fingerprint, '3y']);
			const longer = await mergeCertificate(first.write(), await exported());
			assert.equal(longer.changes.length, 1);
			assert.equal(longer.changes[0]?.kind, 'expiry');

			// gpg keeps a revocation certificate for every key it makes, its armor line escaped with a colon.
			const revocation = readFileSync(join(gnupg.home, 'openpgp-revocs.d', `${fingerprint}.rev`), 'utf8').replace(':-----BEGIN', '-----BEGIN');
			gnupg.gpg(['--import'], revocation);
			const revoked = await mergeCertificate(longer.bytes, await exported());
			assert.deepEqual(revoked.changes, [{kind: 'revoked'}]);
		} finally {
			gnupg.close();
		}
	});
});
