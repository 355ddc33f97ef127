// Attack: Mallory takes Bob's certificate and attaches her own Curve25519 subkey (or alters the
// binding signature of Bob's), hoping Alice encrypts to Mallory's subkey or derives the pair
// secret from it. A subkey whose binding signature does not verify must be ignored; when it is
// the only one, the certificate is refused.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import * as openpgp from 'openpgp';
import {certificateMatching, pairSecret, readCertificates, seal, selectEncryptionSubkey} from '../../source/keys/index.js';
import {fixtureCertificate, fixtureIdentity, hex, makeKey} from '../helpers/key-fixtures.js';

/** A copy of `key` whose subkey binding signature has one bit flipped in its signature value. */
async function withCorruptedBinding(key: openpgp.PublicKey, subkeyIndex: number): Promise<openpgp.PublicKey> {
	const copy = await openpgp.readKey({binaryKey: key.write()});
	const binding = copy.subkeys[subkeyIndex]!.bindingSignatures[0]!;
	const bytes = binding.write();
	bytes[bytes.length - 5]! ^= 0x01;
	const corrupted = new openpgp.SignaturePacket();
	corrupted.read(bytes);
	copy.subkeys[subkeyIndex]!.bindingSignatures = [corrupted];
	return openpgp.readKey({binaryKey: copy.write()});
}

it('refuses a certificate whose only Curve25519 subkey has a corrupted binding signature', async () => {
	const bob = await fixtureCertificate('bob');
	const broken = await withCorruptedBinding(bob.key, 0);
	assert.equal(await selectEncryptionSubkey(broken, new Date()), undefined);
	const {certificates, rejected} = await readCertificates(broken.armor());
	assert.equal(certificates.length, 0);
	assert.match(rejected[0]?.reason ?? '', /not properly bound.*gpg --quick-add-key/s);
	await assert.rejects(certificateMatching(broken.armor(), {kind: 'fingerprint', fingerprint: bob.fingerprint}), /not properly bound/);
});

it('ignores a newer, wrongly bound subkey and keeps using the valid one for seal and pair secret', async () => {
	const alice = await fixtureIdentity('alice');
	const start = Date.now() - (3 * 24 * 60 * 60 * 1000);
	const base = await makeKey({name: 'Bound', date: new Date(start)});
	const two = await base.addSubkey({type: 'ecc', curve: 'curve25519Legacy', date: new Date(start + 1000)});
	const good = two.subkeys[0]!.getFingerprint().toUpperCase();
	const injected = two.subkeys[1]!.getFingerprint().toUpperCase();
	const broken = await withCorruptedBinding(two.toPublic(), 1);

	const {certificates} = await readCertificates(broken.armor());
	const certificate = certificates[0]!;
	assert.equal(certificate.encryptionKey.fingerprint, good);
	assert.notEqual(certificate.encryptionKey.fingerprint, injected);

	// The pair secret is the one made with the validly bound subkey.
	const {certificates: [intact]} = await readCertificates(base.toPublic().armor());
	assert.equal(hex(pairSecret({own: alice, contact: certificate})), hex(pairSecret({own: alice, contact: intact!})));

	// seal encrypts to the good subkey: its secret unwraps the session key, the injected one's does not.
	const sealed = await seal({plaintext: new Uint8Array([1]), signer: alice, recipient: certificate});
	for (const [index, expected] of [[0, true], [1, false]] as const) {
		const message = await openpgp.readMessage({binaryMessage: sealed});
		const pkesk = message.packets[0] as unknown as {decrypt(key: openpgp.SecretSubkeyPacket): Promise<void>};
		assert.equal(await pkesk.decrypt(two.subkeys[index]!.keyPacket as openpgp.SecretSubkeyPacket).then(() => true, () => false), expected);
	}
});

it('ignores a subkey bound by a different primary key (grafted from Mallory\'s certificate)', async () => {
	const bob = await fixtureCertificate('bob');
	const mallory = await makeKey({name: 'Mallory'});
	const stolen = mallory.toPublic().subkeys[0]!;
	const grafted = new openpgp.PacketList<openpgp.AnyPacket>();
	grafted.push(...bob.key.toPacketList(), stolen.keyPacket, ...stolen.bindingSignatures);
	const key = new openpgp.PublicKey(grafted);
	assert.equal(key.subkeys.length, 2);
	const {certificates} = await readCertificates(key.armor());
	assert.equal(certificates[0]?.encryptionKey.fingerprint, bob.encryptionKey.fingerprint);
	assert.equal(await selectEncryptionSubkey(key, new Date()).then(selected => selected?.fingerprint), bob.encryptionKey.fingerprint);
});
