// NO_COLOR: no colour code reaches the terminal, and presence still reads as symbols. Colours are
// forced on for this file (chalk reads FORCE_COLOR when loaded, hence the dynamic import), so the
// test would see them if NO_COLOR were ignored.
import assert from 'node:assert/strict';
import process from 'node:process';
import {test} from 'node:test';
import {contactView, fakeFingerprint, FakeEngine} from '../helpers/fake-engine.js';
import {pollUntil} from '../helpers/waiters.js';
import {terminal} from './terminal.js';

process.env['FORCE_COLOR'] = '1';
const {runChat} = await import('../../source/screens/index.js');

// SGR colours: 30-38 and 90-97 (foreground), 40-48 and 100-107 (background).
// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const colourCode = /\u001B\[(?:[\d;]*;)?(?:3[0-8]|9[0-7]|4[0-8]|10[0-7])(?:;[\d;]*)?m/;

async function screen(noColor: boolean): Promise<string> {
	const engine = new FakeEngine();
	engine.addContactView(contactView('alice', fakeFingerprint(1), {presence: 'online'}));
	engine.addContactView(contactView('bob', fakeFingerprint(2), {presence: 'busy'}));
	const {stdin, stdout, streams} = terminal();
	const done = runChat({engine, ...streams, noColor});
	await pollUntil('first frame', () => stdout.written.includes('bob'));
	engine.emit({type: 'error', scope: 'tor', message: 'lost'});
	await pollUntil('error notice', () => stdout.written.includes('tor: lost'));
	stdin.type('\u0003');
	await done;
	return stdout.written;
}

test('colours are drawn by default, none with NO_COLOR; presence reads as symbols either way', async () => {
	assert.match(await screen(false), colourCode, 'with colours forced on, the screen has some');
	const plain = await screen(true);
	const found = colourCode.exec(plain);
	assert.equal(found, null, `a colour code was written: ${JSON.stringify(found?.[0])}`);
	assert.ok(plain.includes('● alice') && plain.includes('⊘ bob'));
});
