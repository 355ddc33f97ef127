import assert from 'node:assert/strict';
import {generateKeyPairSync, sign, verify} from 'node:crypto';
import {test} from 'node:test';
import {rawPrivateKey, rawPublicKey, rawPublicKeyBytes, type RawKeyAlgorithm} from '../../source/keys/raw-keys.js';

for (const algorithm of ['ed25519', 'x25519'] as const satisfies readonly RawKeyAlgorithm[]) {
	test(`${algorithm}: raw bytes in and out agree with node:crypto's own keys`, () => {
		// generateKeyPairSync's overloads are per literal type; the JWK carries the raw bytes.
		const {privateKey, publicKey} = generateKeyPairSync(algorithm as 'ed25519');
		const {d, x} = privateKey.export({format: 'jwk'});
		const raw = {private: Buffer.from(d!, 'base64url'), public: Buffer.from(x!, 'base64url')};
		assert.deepEqual(Buffer.from(rawPublicKeyBytes(rawPrivateKey(algorithm, raw.private))), raw.public);
		assert.deepEqual(Buffer.from(rawPublicKeyBytes(publicKey)), raw.public);
		assert.ok(rawPublicKey(algorithm, raw.public).equals(publicKey));
		assert.throws(() => rawPrivateKey(algorithm, raw.private.subarray(1)));
		assert.throws(() => rawPublicKey(algorithm, Buffer.concat([raw.public, Buffer.of(0)])));
	});
}

test('an Ed25519 seed signs what its raw public key verifies', () => {
	const seed = Buffer.alloc(32, 7);
	const message = Buffer.from('umbra');
	const publicKey = rawPublicKey('ed25519', rawPublicKeyBytes(rawPrivateKey('ed25519', seed)));
	assert.equal(verify(null, message, publicKey, sign(null, message, rawPrivateKey('ed25519', seed))), true);
});

test('rawPublicKeyBytes refuses other key types', () => {
	const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	assert.throws(() => rawPublicKeyBytes(publicKey), /Ed25519 or X25519/);
});
