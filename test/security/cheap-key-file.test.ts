// Attack story: Mallory copies the data directory (a backup, a stolen laptop) and guesses the
// passphrase offline. identity.asc and store-key.json are locked by the same passphrase, so she
// attacks whichever costs less per guess. identity.asc must cost at least what the store's
// scrypt does: Argon2 S2K (specifier type 4, under AEAD) with at least as much memory as scrypt
// uses (128 * r * N bytes), read here from the bytes of both files. A profile an older umbra
// made (iterated S2K: 16 MiB of SHA-256 per guess) is re-locked the next time it is opened,
// atomically: a failed rewrite leaves the old file as it was, and the profile opens as before.
import {strict as assert} from 'node:assert';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {createProfile, importProfile, openProfile} from '../../source/engine/index.js';
import {fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {secretPacketProtections} from '../helpers/s2k-packets.js';

const passphrase = 'one passphrase for both files';

/** log2 of the store's scrypt memory in KiB, from store-key.json. */
function storeMemoryExponent(dataDir: string): number {
	const {kdf} = JSON.parse(readFileSync(join(dataDir, 'store-key.json'), 'utf8')) as {kdf: {N: number; r: number}};
	return Math.log2((128 * kdf.r * kdf.N) / 1024);
}

async function assertCostsAsMuchAsTheStore(dataDir: string): Promise<void> {
	const protections = await secretPacketProtections(readFileSync(join(dataDir, 'identity.asc'), 'utf8'));
	assert.equal(protections.length, 2, 'the primary key and the encryption subkey');
	for (const packet of protections) {
		assert.equal(packet.usage, 253, 'AEAD, as RFC 9580 requires for Argon2');
		assert.equal(packet.s2kType, 4, 'Argon2 S2K');
		assert.ok(packet.argon2 && packet.argon2.memoryExponent >= storeMemoryExponent(dataDir), `Argon2 memory 2^${packet.argon2?.memoryExponent} KiB against the store's 2^${storeMemoryExponent(dataDir)} KiB`);
		assert.ok(packet.argon2.passes >= 1);
	}
}

describe('the key file costs as much to attack as the store', () => {
	const directory = mkdtempSync('/tmp/umbra-key-cost-');
	after(() => rmSync(directory, {recursive: true, force: true}));

	it('a profile made with production parameters: Argon2id, 128 MiB, 3 passes, 4 lanes, like scrypt N=2^17 r=8', async t => {
		const dataDir = join(directory, 'production');
		const started = Date.now();
		const profile = await createProfile({dataDir, passphrase, userId: 'Pat <pat@example.org>'});
		profile.close();
		const created = Date.now() - started;
		assert.equal(storeMemoryExponent(dataDir), 17, 'the production store: scrypt over 128 MiB');
		await assertCostsAsMuchAsTheStore(dataDir);
		const protections = await secretPacketProtections(readFileSync(join(dataDir, 'identity.asc'), 'utf8'));
		assert.deepEqual(protections.map(packet => packet.argon2), [{passes: 3, parallelism: 4, memoryExponent: 17}, {passes: 3, parallelism: 4, memoryExponent: 17}]);

		const opening = Date.now();
		const opened = await openProfile({dataDir, passphrase});
		opened.close();
		// The figures, for whoever weighs the cost: the unlock derives Argon2 twice and scrypt once.
		t.diagnostic(`production profile: created in ${created} ms, unlocked in ${Date.now() - opening} ms`);
	});

	it('a profile an older umbra made (iterated S2K) is re-locked with Argon2 when opened, atomically', async () => {
		const dataDir = join(directory, 'old');
		const kdf = {N: 1024, r: 8, p: 1};
		const made = await importProfile({dataDir, passphrase, secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf});
		// What umbra wrote before: openpgp.js's default protection (iterated and salted S2K).
		const identityPath = join(dataDir, 'identity.asc');
		const old = (await openpgp.encryptKey({privateKey: made.identity.privateKey, passphrase})).armor();
		made.close();
		writeFileSync(identityPath, old, {mode: 0o600});
		assert.deepEqual((await secretPacketProtections(old)).map(packet => packet.s2kType), [3, 3]);

		// A rewrite that cannot finish (here the temporary file's name is taken by a directory)
		// fails the open with what to do, and leaves the old file whole.
		mkdirSync(`${identityPath}.tmp`);
		await assert.rejects(openProfile({dataDir, passphrase}), /Could not rewrite .*identity\.asc under stronger protection.*the old file is unchanged/);
		assert.equal(readFileSync(identityPath, 'utf8'), old);
		rmSync(`${identityPath}.tmp`, {recursive: true});

		const inode = statSync(identityPath).ino;
		const opened = await openProfile({dataDir, passphrase});
		assert.equal(opened.identity.fingerprint, made.identity.fingerprint);
		opened.close();
		await assertCostsAsMuchAsTheStore(dataDir);
		assert.notEqual(statSync(identityPath).ino, inode, 'replaced by a rename, not written over in place');
		assert.equal(statSync(identityPath).mode & 0o777, 0o600);
		assert.ok(!existsSync(`${identityPath}.tmp`), `no temporary file left: ${readdirSync(dataDir).join(', ')}`);

		// Opened again: nothing to upgrade, the file stays as it is; the same passphrase opens it.
		const upgraded = readFileSync(identityPath, 'utf8');
		(await openProfile({dataDir, passphrase})).close();
		assert.equal(readFileSync(identityPath, 'utf8'), upgraded);
	});
});
