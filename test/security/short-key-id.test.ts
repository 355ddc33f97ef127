// Attack: Mallory makes a key whose short (32-bit) key ID equals Alice's — minutes of work with
// public tools — and hopes the user adds "0xEED68FF3" from a keyserver. umbra refuses short IDs
// outright, so the collision buys nothing.
import assert from 'node:assert/strict';
import {it} from 'node:test';
import {parseKeyQuery, ShortKeyIdError} from '../../source/keys/index.js';
import {fixtureCertificate} from '../helpers/key-fixtures.js';

it('refuses an 8-hex key ID in every spelling, saying it can be forged and what to ask for', async () => {
	const alice = await fixtureCertificate('alice');
	const short = alice.keyId.slice(-8);
	for (const input of [short, `0x${short}`, short.toLowerCase(), `${short.slice(0, 4)} ${short.slice(4)}`]) {
		assert.throws(() => parseKeyQuery(input), (error: unknown) =>
			error instanceof ShortKeyIdError
			&& /short \(8-hex\) key ID/.test(error.message)
			&& /same short ID/.test(error.message)
			&& /gpg --fingerprint/.test(error.message));
	}

	// The long form of the same key is fine.
	assert.deepEqual(parseKeyQuery(alice.keyId), {kind: 'keyid', keyId: alice.keyId});
});
