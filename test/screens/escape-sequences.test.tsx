// Peer text and contact names full of ANSI and OSC sequences: none of it may reach the terminal.
// Everything written is checked, not the last frame: only Ink's own colour codes may remain.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {contactView, fakeFingerprint, FakeEngine} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

after(() => cleanup());

const hostile = [
	'\u001B[2J\u001B[H', // clear screen, cursor home
	'\u001B]0;PWNED-title\u0007', // window title
	'\u001B]52;c;UFdORUQtY2xpcA==\u0007', // OSC 52: write the clipboard
	'\u001B]8;;https://PWNED.example\u001B\\link\u001B]8;;\u001B\\', // hidden link target
	'\u009B31m\u009D0;PWNED-c1\u009C', // 8-bit CSI and OSC
	'\u001BP+qPWNED-dcs\u001B\\', // DCS
	'\u0007\u0008\u007F', // bell, backspace, delete
	'\u202Egnp.exe\u202C', // bidi override
].join('');

test('ANSI and OSC sequences in names, status, user IDs and messages never reach the output', async () => {
	const engine = new FakeEngine();
	const evil = fakeFingerprint(6);
	engine.addContactView(contactView(`mallory${hostile}`, evil, {presence: 'online', status: `status${hostile}`, userIds: [`Mallory${hostile} <m@example.org>`]}));
	engine.seedHistory(evil, 2, index => ({body: `old${index}${hostile}`}));
	const ui = renderChat({engine});
	try {
		await ui.waitFor('ready', f => f.includes('old1'));
		engine.receive(evil, `new${hostile}line`);
		engine.emit({type: 'contact.presence', contact: evil, state: 'away', status: `away${hostile}`});
		await ui.waitFor('received', f => f.includes('newlink') || f.includes('new'));
		ui.press('/fingerprint\r');
		await ui.waitFor('user IDs', f => f.includes('<m@example.org>'));
		ui.press('\u001B');
		await ui.waitFor('closed', f => !f.includes('<m@example.org>'));
		ui.press('/search -a old\r');
		await ui.waitFor('search', f => f.includes('2 found'));
		const raw = ui.raw();
		// Ink's own styling is SGR (ESC [ ... m); nothing else may be there.
		// eslint-disable-next-line no-control-regex -- looking for control characters is the point
		const withoutStyling = raw.replace(/\u001B\[[\d;]*m/g, '');
		// eslint-disable-next-line no-control-regex -- looking for control characters is the point
		const control = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/.exec(withoutStyling);
		assert.equal(control, null, `a control character reached the output: ${JSON.stringify(control?.[0])} near ${JSON.stringify(withoutStyling.slice(Math.max(0, (control?.index ?? 0) - 30), (control?.index ?? 0) + 30))}`);
		assert.ok(!raw.includes('PWNED'), 'the payload of a sequence is dropped with it');
		assert.ok(raw.includes('mallory') && raw.includes('old1'), 'the readable text stays');
	} finally {
		ui.unmount();
	}
});

test('escape codes pasted or typed into the input line are shown as symbols, never interpreted', async () => {
	const screen = renderChat();
	try {
		await screen.waitFor('first frame', frame => frame.includes('No contacts yet'));
		screen.press('\u001B[200~A\u001B[31mred\u001B[7minverse\u0007\u001B[0m\u001B[201~');
		const frame = await screen.waitFor('the pasted line', text => text.includes('inverse'));
		assert.ok(frame.includes('A␛[31mred␛[7minverse␇␛[0m'), frame);
		for (const code of ['\u001B[31mred', '\u001B[7minverse', '\u0007']) {
			assert.ok(!screen.raw().includes(code), `${JSON.stringify(code)} reached the terminal`);
		}
	} finally {
		screen.unmount();
	}
});
