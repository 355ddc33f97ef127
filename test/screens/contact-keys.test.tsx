// A contact's key in the TUI: /refresh and /add of a contact's key merge and say what changed, a
// revoked or expired key shows in the contacts pane, a key that changes while running is a
// notice, and a different key with a contact's user ID is flagged and never taken for theirs.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {join} from 'node:path';
import {cleanup} from 'ink-testing-library';
import {contactView, FakeEngine} from '../helpers/fake-engine.js';
import {fixtureCertificate} from '../helpers/key-fixtures.js';
import {renderChat} from './render.js';

after(() => {
	cleanup();
});

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'keys');

test('/refresh NAME merges the key from the keyservers and says what changed', async () => {
	const engine = new FakeEngine();
	const bob = await fixtureCertificate('bob');
	engine.addContactView(contactView('Bob', bob.fingerprint, {userIds: bob.userIds}));
	engine.keyUpdates = [{contact: bob.fingerprint, name: 'Bob', keyState: 'valid', changes: [], lines: ['Bob\'s key now expires 2027-01-01.']}];
	const ui = renderChat({engine, props: {cwd: fixtures}});
	try {
		await ui.waitFor('ready', f => f.includes('Bob'));
		ui.press('/refresh bob\r');
		await ui.waitFor('the change', f => f.includes('Bob\'s key now expires 2027-01-01.'));
		assert.deepEqual(engine.callsOf('refreshCertificate'), [[bob.fingerprint]]);
	} finally {
		ui.unmount();
	}
});

test('/add of a contact\'s key file merges it instead of asking to add a second contact', async () => {
	const engine = new FakeEngine();
	const bob = await fixtureCertificate('bob');
	engine.addContactView(contactView('Bob', bob.fingerprint, {userIds: bob.userIds}));
	engine.keyUpdates = [{contact: bob.fingerprint, name: 'Bob', keyState: 'revoked', changes: [{kind: 'revoked'}], lines: ['Bob\'s key was revoked by its owner.']}];
	const ui = renderChat({engine, props: {cwd: fixtures}});
	try {
		await ui.waitFor('ready', f => f.includes('Bob'));
		ui.press('/add bob.pub.asc\r');
		await ui.waitFor('the change', f => f.includes('Bob\'s key was revoked by its owner.'));
		assert.equal(engine.callsOf('mergeCertificates').length, 1);
		assert.ok(!ui.frame().includes('Add this contact?'), ui.frame());
	} finally {
		ui.unmount();
	}
});

test('the pane shows a revoked or expired key; a change while running is a notice', async () => {
	const engine = new FakeEngine();
	engine.addContactView(contactView('Bob', 'B'.repeat(40), {keyState: 'revoked'}));
	engine.addContactView(contactView('Dora', 'D'.repeat(40), {keyState: 'expired'}));
	const ui = renderChat({engine});
	try {
		await ui.waitFor('states', f => f.includes('Bob [key revoked]') && f.includes('Dora [key expired]'));
		engine.contactList[1]!.keyState = 'valid';
		engine.emit({type: 'contacts.changed'});
		engine.emit({type: 'contact.key', contact: 'D'.repeat(40), keyState: 'valid', lines: ['Dora\'s key is valid again.']});
		await ui.waitFor('valid again', f => f.includes('Dora\'s key is valid again.') && !f.includes('Dora [key'));
	} finally {
		ui.unmount();
	}
});

test('/add of a different key with a contact\'s user ID warns, and offers it as a new contact', async () => {
	const engine = new FakeEngine();
	const bob = await fixtureCertificate('bob');
	engine.addContactView(contactView('Bob', 'B'.repeat(40), {userIds: bob.userIds}));
	const ui = renderChat({engine, props: {cwd: fixtures}});
	try {
		await ui.waitFor('ready', f => f.includes('Bob'));
		ui.press('/add bob.pub.asc\r');
		const question = await ui.waitFor('question', f => f.includes('Add this contact?'));
		assert.ok(question.includes(`Warning: your contact Bob has the user ID ${bob.userIds[0]}`), question);
		assert.ok(question.includes('This different key would be a new contact'), question);
		assert.ok(question.includes('Add as "Bob (new key)"? y/n'), question);
		ui.press('n');
		await ui.waitFor('cancelled', f => f.includes('Cancelled.'));
		assert.equal(engine.callsOf('addContact').length, 0);
	} finally {
		ui.unmount();
	}
});
