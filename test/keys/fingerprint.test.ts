import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {formatFingerprint, InvalidKeyQueryError, parseKeyQuery, ShortKeyIdError} from '../../source/keys/index.js';

describe('formatFingerprint', () => {
	it('groups a fingerprint in fours, upper case', () => {
		assert.equal(formatFingerprint('ea078f743a76e8e2f4fc9812e0b6dfe5eed68ff3'), 'EA07 8F74 3A76 E8E2 F4FC 9812 E0B6 DFE5 EED6 8FF3');
	});

	it('normalises a fingerprint that already has spaces', () => {
		assert.equal(formatFingerprint('EA07 8F74  3A76'), 'EA07 8F74 3A76');
	});
});

describe('parseKeyQuery', () => {
	it('reads a long key ID with 0x, spaces and lower case', () => {
		assert.deepEqual(parseKeyQuery(' 0xe0b6 dfe5 eed6 8ff3 '), {kind: 'keyid', keyId: 'E0B6DFE5EED68FF3'});
	});

	it('reads a fingerprint as gpg --fingerprint prints it', () => {
		assert.deepEqual(parseKeyQuery('EA07 8F74 3A76 E8E2 F4FC  9812 E0B6 DFE5 EED6 8FF3'), {kind: 'fingerprint', fingerprint: 'EA078F743A76E8E2F4FC9812E0B6DFE5EED68FF3'});
	});

	it('refuses a short key ID and says why', () => {
		assert.throws(() => parseKeyQuery('0xEED68FF3'), (error: unknown) => error instanceof ShortKeyIdError && /forge|same short ID/i.test(error.message) && /16 hex/.test(error.message));
	});

	it('refuses junk, odd lengths and v6 fingerprints with InvalidKeyQueryError', () => {
		for (const input of ['', '0x', 'alice@example.org', 'EED68FF3Z', 'ABCDEF', 'A'.repeat(32), 'A'.repeat(64), '0x0x' + 'A'.repeat(16)]) {
			assert.throws(() => parseKeyQuery(input), InvalidKeyQueryError, input);
		}
	});
});
