// umbra import of a contact's key that is already stored, run as the built CLI: the newer copy is
// merged and what changed is printed (a new expiry date, an expiry, a revocation), `umbra
// contacts` shows the key's state, the history stays; and a different key with the contact's
// user ID is never taken for theirs.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {exitCodes} from '../../source/exit-codes.js';
import {makeKey} from '../helpers/key-fixtures.js';
import {runUmbra, temporaryFolder} from './run-umbra.js';

const env = {UMBRA_PASSPHRASE: 'import update test passphrase'};
const day = 24 * 60 * 60 * 1000;

/** The owner's newer copy: new self-signatures made now, with this expiry (seconds after creation; 0: never). */
async function reissued(key: openpgp.PrivateKey, keyExpirationTime: number): Promise<string> {
	const {publicKey} = await openpgp.reformatKey({privateKey: key, userIDs: [{name: 'Dora', email: 'dora@example.org'}], date: new Date(Date.now() - 1000), keyExpirationTime, format: 'object'});
	return publicKey.armor();
}

describe('umbra import of a newer copy of a contact\'s key', () => {
	const folder = temporaryFolder('import-update');
	const common = ['--data-dir', join(folder.path, 'data')];
	const importKey = async (armored: string, extra: string[] = []) => runUmbra(['import', '-', '--yes', ...extra, ...common], {env, input: armored});
	const doraRow = async () => {
		const listed = await runUmbra(['contacts', ...common], {env});
		assert.equal(listed.code, exitCodes.ok, listed.stderr);
		return listed.stdout.split('\n').find(row => row.startsWith('Dora '));
	};

	let dora: openpgp.PrivateKey;
	before(async () => {
		const made = await runUmbra(['init', '--user-id', 'Owner <owner@example.org>', ...common], {env});
		assert.equal(made.code, exitCodes.ok, made.stderr);
		dora = await makeKey({name: 'Dora', date: new Date(Date.now() - (30 * day))});
		const added = await importKey(dora.toPublic().armor());
		assert.equal(added.code, exitCodes.ok, added.stderr);
	});

	after(() => {
		folder.remove();
	});

	it('learns a new expiry date, then that the key expired, then that it is valid again', async () => {
		const expiresAt = new Date(dora.getCreationTime().getTime() + (400 * day)).toISOString().slice(0, 10);
		const longer = await importKey(await reissued(dora, 400 * day / 1000));
		assert.equal(longer.code, exitCodes.ok, longer.stderr);
		assert.match(longer.stdout, new RegExp(`^  Dora's key now expires ${expiresAt}\\.$`, 'm'));
		assert.doesNotMatch(await doraRow() ?? '', /key/);

		// The owner shortens it to a date already past: the contact stays, shown as expired.
		const expired = await importKey(await reissued(dora, 10 * day / 1000));
		assert.equal(expired.code, exitCodes.ok, expired.stderr);
		assert.match(expired.stdout, /^ {2}Dora's key has expired: /m);
		assert.match(await doraRow() ?? '', /key expired$/);

		const back = await importKey(await reissued(dora, 0));
		assert.equal(back.code, exitCodes.ok, back.stderr);
		assert.match(back.stdout, /^ {2}Dora's key is valid again\.$/m);
		assert.match(back.stdout, /^ {2}Dora's key no longer expires\.$/m);
		assert.doesNotMatch(await doraRow() ?? '', /key/);
	});

	it('learns a revocation, which no older copy takes back', async () => {
		const {publicKey: revoked} = await openpgp.revokeKey({key: dora, format: 'object'});
		const imported = await importKey(revoked.armor());
		assert.equal(imported.code, exitCodes.ok, imported.stderr);
		assert.match(imported.stdout, /^ {2}Dora's key was revoked by its owner/m);
		assert.match(await doraRow() ?? '', /key revoked$/);

		const older = await importKey(dora.toPublic().armor());
		assert.equal(older.code, exitCodes.ok, older.stderr);
		assert.match(older.stdout, /^Dora's key is already up to date \(revoked\)\.$/m);
		assert.match(await doraRow() ?? '', /key revoked$/);
	});

	it('says so when a different key has the contact\'s user ID: it is never an update of theirs', async () => {
		const impostor = await makeKey({name: 'Dora'});
		const clash = await importKey(impostor.toPublic().armor());
		assert.equal(clash.code, exitCodes.refused);
		assert.match(clash.stderr, /your contact "Dora" has the user ID "Dora <dora@example.org>" with another key .*new contact.*--name NAME/);

		const named = await importKey(impostor.toPublic().armor(), ['--name', 'Dora new']);
		assert.equal(named.code, exitCodes.ok, named.stderr);
		assert.match(named.stderr, /^Note: your contact "Dora" has the user ID "Dora <dora@example.org>" with another key/m);
		assert.match(named.stdout, /^Added Dora new /m);
		assert.match(await doraRow() ?? '', /key revoked$/, 'the old contact is untouched');
	});
});
