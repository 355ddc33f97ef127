// Every slash command splits its arguments the same way: quotes keep a name with spaces whole,
// and more arguments than the command takes are an error naming its usage (nothing is done).
import assert from 'node:assert/strict';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {contactView, FakeEngine, fakeFingerprint} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

test('extra arguments are refused with the usage; quoted names work in every command', async () => {
	const directory = mkdtempSync(join(tmpdir(), 'umbra-slash-'));
	const engine = new FakeEngine();
	const alice = fakeFingerprint(1);
	engine.addContactView(contactView('alice', alice));
	const screen = renderChat({engine, props: {cwd: directory, exportPublicKey: () => 'KEY'}});
	const run = async (line: string, label: string, shown: (frame: string) => boolean) => {
		screen.press('\u0015'); // Ctrl-U: an empty line first
		screen.press(`${line}\r`);
		return screen.waitFor(label, shown);
	};

	try {
		await screen.waitFor('the contact', frame => frame.includes('alice'));
		await run(`/export ${join(directory, 'a.asc')} extra junk`, 'the export refused', frame => frame.includes('Usage: /export [FILE]'));
		assert.deepEqual(readdirSync(directory), [], 'no file written');

		await run('/rename alice "Mary Ann"', 'the quoted new name', frame => frame.includes('alice is now Mary Ann.'));
		assert.deepEqual(engine.callsOf('renameContact').at(-1), [alice, 'Mary Ann']);
		await run('/rename Mary Ann Self', 'too many words refused', frame => frame.includes('Too many arguments for /rename. Usage: /rename [NAME] NEWNAME'));
		assert.equal(engine.callsOf('renameContact').length, 1);
		await run('/rename "Mary Ann" Self', 'the quoted old name', frame => frame.includes('Mary Ann is now Self.'));
		await run('/rename Self "Mary', 'an unclosed quote', frame => frame.includes('The " quote is not closed. Usage: /rename'));
		await run('/hide Self now', '/hide with two names', frame => frame.includes('Usage: /hide [NAME]'));
		assert.equal(engine.callsOf('hide').length, 0);
		await run('/remove \'Self\' x', '/remove with two names', frame => frame.includes('Usage: /remove [NAME]'));
		await run('/fingerprint \'Self\'', 'a single-quoted name', frame => frame.includes('Fingerprints'));
		screen.press('\u001B');
		await run('/status AWAY "out to lunch"', 'a quoted status text, the state in capitals', frame => frame.includes('You are away.'));
		assert.deepEqual(engine.callsOf('setPresence').at(-1), ['away', 'out to lunch']);
		await run(`/export "${join(directory, 'my key.asc')}"`, 'a quoted file name with a space', frame => frame.includes('Wrote your public key'));
		assert.ok(existsSync(join(directory, 'my key.asc')));
	} finally {
		screen.unmount();
		rmSync(directory, {recursive: true, force: true});
	}
});
