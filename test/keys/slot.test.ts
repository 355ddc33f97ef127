import assert from 'node:assert/strict';
import {createHash, createHmac, createPrivateKey, createPublicKey, sign, verify} from 'node:crypto';
import {describe, it} from 'node:test';
import {KeysError, pairSecret, UnknownOptionError} from '../../source/keys/index.js';
import {dayStart, slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {fixtureCertificate, fixtureIdentity, hex} from '../helpers/key-fixtures.js';

// Pinned slot vectors. A change here moves every pair's registry slots: contacts running the
// old code would stop finding each other. It must never happen by accident.
const pairSecretBytes = Buffer.from(Array.from({length: 32}, (_, index) => index));
const publisher = '0123456789ABCDEF0123456789ABCDEF01234567';
const reader = 'FEDCBA9876543210FEDCBA9876543210FEDCBA98';
const vectors = [
	{publisher, reader, day: 20_500, seed: 'bb1a851f2cdb5c01132090d30e78de4d2708782bed4faf604c9ff39a771e19b7', publicKey: '5cdaa72ba24b95c67ec165df8867d4f742e2cd85b11bca6b6ed93638b124e9be', target: '5f6bf967288a6ae29376b0f0e1c2391c6e6ae945', valueKey: '2cacc946f2ceda66e7464849efb2258f638128603de6da85519ffcf1e8e5519d'},
	{publisher, reader, day: 20_501, seed: '662d5e8c3e510830523c1a7396977ef6f726b7b04e405974616309dcdbe5be95', publicKey: 'b240c7f5c2b29bdc0028d63b8893fc218d5e6db05d387f4ab7d03d2387eaf119', target: 'eca3daad36a8abbe13cc253e0767495ff147c2d6', valueKey: '5c7e67a98f5c6195e8b4536c0e4d87961c6a1968a3a46cc1e0408a46ecc65709'},
	{publisher: reader, reader: publisher, day: 20_500, seed: '8c209dcb6f0fdff7bf8e7c76b33907fbf97f66429d335fd0539f35b1c1dd798e', publicKey: 'acea1553e377aae467698a0a898e3d56ff49c635d31c5e8ce131cd09e3ab7000', target: '68b53eb693e9ada2a2d047ef746b42ed5fae0258', valueKey: '0b36761c9e51834aaf0aae78ef33843fdfa9e7309e77e37bdfc7c1eb843b452b'},
] as const;

/** RFC 5869 by hand with HMAC, so the vectors do not only restate hkdfSync. */
function hkdf(ikm: Uint8Array, salt: string, info: Uint8Array, length: number): Buffer {
	const prk = createHmac('sha256', salt).update(ikm).digest();
	let block = Buffer.alloc(0);
	const out: Buffer[] = [];
	for (let counter = 1; Buffer.concat(out).length < length; counter++) {
		block = createHmac('sha256', prk).update(Buffer.concat([block, info, Buffer.from([counter])])).digest();
		out.push(block);
	}

	return Buffer.concat(out).subarray(0, length);
}

describe('slotKeyPair', () => {
	for (const vector of vectors) {
		it(`matches the pinned vector ${vector.publisher.slice(0, 4)}->${vector.reader.slice(0, 4)} day ${vector.day}`, () => {
			const slot = slotKeyPair({pairSecret: pairSecretBytes, publisher: vector.publisher, reader: vector.reader, day: vector.day});
			assert.equal(hex(slot.seed), vector.seed);
			assert.equal(hex(slot.publicKey), vector.publicKey);
			assert.equal(hex(slot.target), vector.target);
			assert.equal(hex(slot.valueKey), vector.valueKey);
			assert.equal(slot.day, vector.day);
		});
	}

	it('follows docs/design.md: HKDF(K_PR, "umbra/v1/slot", fpr(P) || fpr(R) || uint32_be(d)), SHA-1 target, value key from the seed', () => {
		const [vector] = vectors;
		const day = Buffer.alloc(4);
		day.writeUInt32BE(vector.day);
		const seed = hkdf(pairSecretBytes, 'umbra/v1/slot', Buffer.concat([Buffer.from(vector.publisher, 'hex'), Buffer.from(vector.reader, 'hex'), day]), 32);
		assert.equal(seed.toString('hex'), vector.seed);
		assert.equal(hkdf(seed, 'umbra/v1/value', new Uint8Array(0), 32).toString('hex'), vector.valueKey, 'valueKey = HKDF(seed, "umbra/v1/value")');
		// The public key really belongs to the seed: a signature made from the seed (JWK path) verifies under it.
		const slot = slotKeyPair({pairSecret: pairSecretBytes, publisher: vector.publisher, reader: vector.reader, day: vector.day});
		const jwkPublic = createPublicKey({key: {kty: 'OKP', crv: 'Ed25519', x: Buffer.from(vector.publicKey, 'hex').toString('base64url')}, format: 'jwk'});
		const jwkPrivate = createPrivateKey({key: {kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: Buffer.from(vector.publicKey, 'hex').toString('base64url')}, format: 'jwk'});
		assert.ok(verify(null, Buffer.from('umbra'), jwkPublic, sign(null, Buffer.from('umbra'), jwkPrivate)));
		assert.equal(createHash('sha1').update(slot.publicKey).digest('hex'), vector.target);
	});

	it('differs from day to day, from pair to pair, and by direction', () => {
		const targets = new Set<string>();
		for (const [p, r] of [[publisher, reader], [reader, publisher], [publisher, 'A'.repeat(40)], ['B'.repeat(40), reader]]) {
			for (let day = 20_000; day < 20_010; day++) {
				targets.add(hex(slotKeyPair({pairSecret: pairSecretBytes, publisher: p ?? '', reader: r ?? '', day}).target));
			}
		}

		assert.equal(targets.size, 40);
		const otherSecret = Buffer.from(pairSecretBytes).fill(7, 0, 1);
		assert.notEqual(hex(slotKeyPair({pairSecret: otherSecret, publisher, reader, day: 20_500}).publicKey), vectors[0].publicKey);
	});

	it('is pinned for the committed alice -> bob fixtures through pairSecret', async () => {
		const alice = await fixtureIdentity('alice');
		const bob = await fixtureCertificate('bob');
		const slot = slotKeyPair({pairSecret: pairSecret({own: alice, contact: bob}), publisher: alice.fingerprint, reader: bob.fingerprint, day: 20_500});
		assert.equal(hex(slot.publicKey), '0a5696b7f6d7cec27d310aeda1ac4375a0899d0c748c0cc829dc282b41f6b412');
		assert.equal(hex(slot.target), '439b90bae65de50b02e9d57c2e3c8b1c29b62531');
	});

	it('accepts lower-case fingerprints as the same slot', () => {
		const upper = slotKeyPair({pairSecret: pairSecretBytes, publisher, reader, day: 20_500});
		const lower = slotKeyPair({pairSecret: pairSecretBytes, publisher: publisher.toLowerCase(), reader: reader.toLowerCase(), day: 20_500});
		assert.equal(hex(lower.publicKey), hex(upper.publicKey));
	});

	it('refuses bad input with a KeysError', () => {
		assert.throws(() => slotKeyPair({pairSecret: new Uint8Array(31), publisher, reader, day: 1}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher: publisher.slice(1), reader, day: 1}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher, reader: `${reader.slice(1)}G`, day: 1}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher, reader, day: -1}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher, reader, day: 2 ** 32}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher, reader, day: 1.5}), KeysError);
		assert.throws(() => slotKeyPair({pairSecret: pairSecretBytes, publisher, reader, day: 1, salt: 'x'} as never), UnknownOptionError);
	});
});

describe('utcDay', () => {
	it('changes exactly at UTC midnight', () => {
		assert.equal(utcDay(new Date('2026-02-14T23:59:59.999Z')), 20_498);
		assert.equal(utcDay(new Date('2026-02-15T00:00:00.000Z')), 20_499);
		assert.equal(utcDay(0), 0);
		assert.equal(dayStart(20_499), Date.parse('2026-02-15T00:00:00Z'));
	});

	it('refuses times before 1970 and NaN', () => {
		assert.throws(() => utcDay(-1), KeysError);
		assert.throws(() => utcDay(new Date(Number.NaN)), KeysError);
	});
});
