// /add from a key file and from the keyservers: the fingerprint and user IDs are shown and the
// user confirms before anything is added; bad input says what to do and adds nothing.
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {FakeEngine} from '../helpers/fake-engine.js';
import {fixtureCertificate} from '../helpers/key-fixtures.js';
import {pollUntil} from '../helpers/waiters.js';
import {renderChat} from './render.js';

const directory = mkdtempSync(join(tmpdir(), 'umbra-add-'));
after(() => {
	cleanup();
	rmSync(directory, {recursive: true, force: true});
});

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'keys');
const grouped = (hex: string) => hex.match(/.{4}/g)!.join(' ');

test('/add FILE shows the fingerprint and user ID, adds on y under the given name', async () => {
	const engine = new FakeEngine();
	const bob = await fixtureCertificate('bob');
	const ui = renderChat({engine, props: {cwd: fixtures}});
	try {
		await ui.waitFor('ready', f => f.includes('No contacts yet'));
		ui.press('/add bob.pub.asc Bobby\r');
		const question = await ui.waitFor('question', f => f.includes('Add this contact?'));
		assert.ok(question.includes(grouped(bob.fingerprint)), question);
		assert.ok(question.includes(`User ID: ${bob.userIds[0]}`));
		assert.ok(question.includes('Add as "Bobby"? y/n'));
		assert.equal(engine.callsOf('addContact').length, 0, 'nothing is added before the answer');
		ui.press('y');
		await ui.waitFor('added', f => f.includes('Added Bobby') && f.includes('1 ○ Bobby'));
		assert.deepEqual(engine.callsOf('addContact'), [[bob.fingerprint, 'Bobby']]);
	} finally {
		ui.unmount();
	}
});

test('/add KEYID fetches from the keyservers; the name defaults to the user ID name; n adds nothing', async () => {
	const engine = new FakeEngine();
	const carol = await fixtureCertificate('carol');
	engine.certificates.set(carol.keyId, carol);
	const ui = renderChat({engine, props: {cwd: directory}});
	try {
		await ui.waitFor('ready', f => f.includes('No contacts yet'));
		ui.press(`/add 0x${carol.keyId.toLowerCase()}\r`);
		await ui.waitFor('question', f => f.includes(grouped(carol.fingerprint)));
		assert.deepEqual(engine.callsOf('fetchCertificate'), [[carol.keyId]]);
		const expectedName = carol.userIds[0]!.replace(/\s*<.*$/, '');
		assert.ok(ui.frame().includes(`Add as "${expectedName}"?`), ui.frame());
		ui.press('n');
		await ui.waitFor('cancelled', f => f.includes('Cancelled.'));
		assert.equal(engine.callsOf('addContact').length, 0);
	} finally {
		ui.unmount();
	}
});

test('/add with a short key ID, a missing file, a directory, a file without keys: clear errors, nothing added', async () => {
	const engine = new FakeEngine();
	writeFileSync(join(directory, 'notes.txt'), 'not a key\n');
	mkdirSync(join(directory, 'keys'), {recursive: true});
	const ui = renderChat({engine, props: {cwd: directory}});
	try {
		await ui.waitFor('ready', f => f.includes('No contacts yet'));
		ui.press('/add 1234ABCD\r');
		await ui.waitFor('short ID refused', f => f.includes('/add failed') && /short|8/.test(f));
		ui.press('/add missing.asc\r');
		await ui.waitFor('missing file', f => f.includes('Cannot read missing.asc: there is no such file') && !f.includes('ENOENT'));
		ui.press('/add junk\r');
		await ui.waitFor('a word that is no file', f => f.includes('Cannot read junk: there is no such file'));
		ui.press('/add keys\r');
		await ui.waitFor('a directory', f => f.includes('Cannot read keys: it is a directory'));
		ui.press('/add notes.txt\r');
		// Its own message: the earlier notices also say "/add failed", and a match on them would let
		// the next command race this one.
		await ui.waitFor('no key', f => f.includes('not a readable OpenPGP key') || f.includes('holds no usable key'));
		ui.press('/add\r');
		await ui.waitFor('usage', f => f.includes('Usage: /add KEYID|FINGERPRINT|FILE'));
		await pollUntil('nothing added', () => engine.callsOf('addContact').length === 0);
	} finally {
		ui.unmount();
	}
});

test('/export writes the public key to a file and will not overwrite one', async () => {
	const engine = new FakeEngine();
	const armored = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nfake\n-----END PGP PUBLIC KEY BLOCK-----\n';
	const ui = renderChat({engine, props: {cwd: directory, exportPublicKey: () => armored}});
	try {
		await ui.waitFor('ready', f => f.includes('No contacts yet'));
		ui.press('/export\r');
		const file = join(directory, `umbra-${engine.self.keyId}.asc`);
		await ui.waitFor('written', f => f.includes('Wrote your public key to'));
		assert.equal(readFileSync(file, 'utf8'), armored);
		ui.press('/export\r');
		await ui.waitFor('refused', f => f.includes('Not overwritten: umbra-'));
		assert.equal(readFileSync(file, 'utf8'), armored);
	} finally {
		ui.unmount();
	}
});

test('/add with a pasted key block, or a fingerprint in groups of four as gpg prints it', async () => {
	const engine = new FakeEngine();
	const bob = await fixtureCertificate('bob');
	const carol = await fixtureCertificate('carol');
	engine.certificates.set(carol.fingerprint, carol);
	const ui = renderChat({engine, props: {cwd: directory}});
	try {
		await ui.waitFor('ready', f => f.includes('No contacts yet'));
		ui.press('/add ');
		ui.press(`\u001B[200~${readFileSync(join(fixtures, 'bob.pub.asc'), 'utf8')}\u001B[201~`);
		ui.press(' "Bob Pasted"\r');
		await ui.waitFor('question for the pasted key', f => f.includes(grouped(bob.fingerprint)) && f.includes('Add as "Bob Pasted"? y/n'));
		ui.press('y');
		await ui.waitFor('added', f => f.includes('Added Bob Pasted'));
		ui.press(`/add ${grouped(carol.fingerprint)} Carol\r`);
		await ui.waitFor('question for the fingerprint', f => f.includes(grouped(carol.fingerprint)) && f.includes('Add as "Carol"? y/n'));
		assert.deepEqual(engine.callsOf('fetchCertificate'), [[carol.fingerprint]]);
	} finally {
		ui.unmount();
	}
});
