// The chat refuses the user's own key as a contact, as umbra import does: /export, then /add of
// the same file, answered y, must say so and add nothing (messages to it would collide with the
// user's own in the store). The real engine service on a real profile, not the fake.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {exportPublicKey, importProfile, openEngine} from '../../source/engine/index.js';
import {fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {renderChat} from './render.js';

test('/export then /add of the same file is refused: this is your own key', async () => {
	const dataDir = mkdtempSync(join(tmpdir(), 'umbra-own-key-'));
	const profile = await importProfile({dataDir, passphrase: 'p', secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	const engine = await openEngine({profile});
	const screen = renderChat({props: {engine, cwd: dataDir, exportPublicKey: () => exportPublicKey(profile.identity)}});
	try {
		screen.press('/export me.asc\r');
		await screen.waitFor('the export', frame => frame.includes('Wrote your public key'));
		screen.press('/add me.asc\r');
		await screen.waitFor('the question', frame => frame.includes('Add this contact?'));
		screen.press('y');
		await screen.waitFor('the refusal', frame => frame.includes('own key'));
		assert.deepEqual(engine.contacts(), []);
		assert.deepEqual(profile.store.listContacts(), []);
	} finally {
		screen.unmount();
		await engine.stop();
		profile.close();
		rmSync(dataDir, {recursive: true, force: true});
	}
});
