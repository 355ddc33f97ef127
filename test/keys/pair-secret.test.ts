import assert from 'node:assert/strict';
import {createPrivateKey, createPublicKey, diffieHellman, hkdfSync} from 'node:crypto';
import {before, describe, it} from 'node:test';
import {pairSecret, readCertificates, UnknownOptionError, type Certificate, type Identity} from '../../source/keys/index.js';
import {fixtureCertificate, fixtureIdentity, hex, stripUserIds} from '../helpers/key-fixtures.js';

// Pinned from the committed fixtures (test/fixtures/keys/). A change here breaks every
// existing pair's registry slots: it must never happen by accident.
const vectors = {
	aliceBob: '083d49cc41f8bea434a25123de5758660988b8aca50291e56c75109cfafff3da',
	aliceCarol: '427e272f6cec2078b510eb884fea9793335a4fecdf27c2e156cf0362ff99dc6d',
	bobCarol: '780f10491041547ecff001365099faf68618d8bacb8b31c4899dd7fd50cb70d3',
};

/** docs/design.md's formula again, through DER-encoded keys instead of the JWK path pairSecret uses. */
function independently(own: Identity, contact: Certificate): string {
	const privateKey = createPrivateKey({key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), own.x25519Private]), format: 'der', type: 'pkcs8'});
	const publicKey = createPublicKey({key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), contact.encryptionKey.x25519]), format: 'der', type: 'spki'});
	const fingerprints = [own.fingerprint, contact.fingerprint].sort().map(fpr => Buffer.from(fpr, 'hex'));
	return hex(new Uint8Array(hkdfSync('sha256', diffieHellman({privateKey, publicKey}), 'umbra/v1/pair', Buffer.concat(fingerprints), 32)));
}

let alice: Identity;
let bob: Identity;
let carol: Identity;
let aliceCertificate: Certificate;
let bobCertificate: Certificate;
let carolCertificate: Certificate;

before(async () => {
	[alice, bob, carol] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureIdentity('carol')]);
	[aliceCertificate, bobCertificate, carolCertificate] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob'), fixtureCertificate('carol')]);
});

describe('pairSecret', () => {
	it('matches the pinned vector from both sides (legacy ECDH keys)', () => {
		assert.equal(hex(pairSecret({own: alice, contact: bobCertificate})), vectors.aliceBob);
		assert.equal(hex(pairSecret({own: bob, contact: aliceCertificate})), vectors.aliceBob);
	});

	it('matches the pinned vectors with an RFC 9580 X25519 contact, from both sides', () => {
		assert.equal(hex(pairSecret({own: alice, contact: carolCertificate})), vectors.aliceCarol);
		assert.equal(hex(pairSecret({own: carol, contact: aliceCertificate})), vectors.aliceCarol);
		assert.equal(hex(pairSecret({own: bob, contact: carolCertificate})), vectors.bobCarol);
		assert.equal(hex(pairSecret({own: carol, contact: bobCertificate})), vectors.bobCarol);
	});

	it('is the formula of docs/design.md, computed another way', () => {
		assert.equal(independently(alice, bobCertificate), vectors.aliceBob);
		assert.equal(independently(carol, aliceCertificate), vectors.aliceCarol);
	});

	it('is the same with the contact\'s certificate stripped of user IDs', async () => {
		const {certificates} = await readCertificates(stripUserIds(bobCertificate.key).armor());
		assert.equal(hex(pairSecret({own: alice, contact: certificates[0]!})), vectors.aliceBob);
	});

	it('differs between pairs and is 32 bytes', () => {
		const secrets = new Set(Object.values(vectors));
		assert.equal(secrets.size, 3);
		assert.equal(pairSecret({own: alice, contact: bobCertificate}).length, 32);
	});

	it('rejects unknown options', () => {
		assert.throws(() => pairSecret({own: alice, contact: bobCertificate, salt: 'x'} as never), UnknownOptionError);
	});
});
