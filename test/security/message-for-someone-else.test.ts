// Attack/accident: a message sealed to Bob reaches Alice (a DHT slot read by the wrong person, a
// misrouted frame). With random key hints Alice cannot tell from the header; her trial
// decryption must fail cleanly as not-for-us, leak no exception, and reveal nothing.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import * as openpgp from 'openpgp';
import {open, seal} from '../../source/keys/index.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';

it('gives a clean not-for-us to every non-recipient, legacy and RFC 9580 alike', async () => {
	const [alice, bob, carol] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureIdentity('carol')]);
	const [aliceCertificate, bobCertificate, carolCertificate] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob'), fixtureCertificate('carol')]);
	const senders = [aliceCertificate, bobCertificate, carolCertificate];

	const toBob = await seal({plaintext: new TextEncoder().encode('for bob only'), signer: alice, recipient: bobCertificate});
	const toCarol = await seal({plaintext: new TextEncoder().encode('for carol only'), signer: alice, recipient: carolCertificate});
	for (const [sealed, outsiders] of [[toBob, [alice, carol]], [toCarol, [alice, bob]]] as const) {
		for (const outsider of outsiders) {
			assert.deepEqual(await open({sealed, recipient: outsider, senders}), {ok: false, reason: 'not-for-us'});
		}
	}

	// The header does not name Bob: the hint is not his subkey's ID.
	const hint = (await openpgp.readMessage({binaryMessage: toBob})).getEncryptionKeyIDs()[0]!.toHex().toUpperCase();
	assert.notEqual(hint, bobCertificate.encryptionKey.keyId);
	assert.equal((await open({sealed: toBob, recipient: bob, senders})).ok, true);
});

it('gives not-for-us, not a crash, when the hint happens to name the outsider\'s own subkey', async () => {
	const [alice, bob] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob')]);
	const bobCertificate = await fixtureCertificate('bob');
	const sealed = await seal({plaintext: new Uint8Array([1, 2, 3]), signer: alice, recipient: bobCertificate});
	// New-format PKESK header: tag, one length byte, version 3, then the 8-byte key ID.
	assert.equal(sealed[0], 0xC1);
	assert.equal(sealed[2], 3);
	const relabelled = sealed.slice();
	relabelled.set(Buffer.from(alice.certificate.encryptionKey.keyId, 'hex'), 3);
	assert.equal((await openpgp.readMessage({binaryMessage: relabelled})).getEncryptionKeyIDs()[0]!.toHex().toUpperCase(), alice.certificate.encryptionKey.keyId);
	assert.deepEqual(await open({sealed: relabelled, recipient: alice, senders: [alice.certificate]}), {ok: false, reason: 'not-for-us'});
	assert.equal((await open({sealed: relabelled, recipient: bob, senders: [alice.certificate]})).ok, true);
});
