// The chat screen with ink-testing-library and the fake engine: what the panes show, and what
// keys and commands do. Every wait is on what the frame shows or the engine was asked.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {cleanup} from 'ink-testing-library';
import {contactView, fakeFingerprint, FakeEngine} from '../helpers/fake-engine.js';
import {pollUntil} from '../helpers/waiters.js';
import {renderChat, type Rendered} from './render.js';

after(() => cleanup());

const [alice, bob, carol] = [fakeFingerprint(1), fakeFingerprint(2), fakeFingerprint(3)];
const keys = {enter: '\r', tab: '\t', shiftTab: '\u001B[Z', up: '\u001B[A', down: '\u001B[B', pageUp: '\u001B[5~', pageDown: '\u001B[6~', ctrlC: '\u0003', ctrlN: '\u000E', ctrlX: '\u0018', escape: '\u001B', f1: '\u001BOP', backspace: '\u007F'};

function threeContacts(): FakeEngine {
	const engine = new FakeEngine();
	engine.addContactView(contactView('alice', alice, {presence: 'online', status: 'at work'}));
	engine.addContactView(contactView('bob', bob, {presence: 'away'}));
	engine.addContactView(contactView('carol', carol, {presence: 'busy'}));
	return engine;
}

async function withChat(options: Parameters<typeof renderChat>[0], body: (ui: Rendered) => Promise<void>): Promise<void> {
	const ui = renderChat(options);
	try {
		await body(ui);
	} finally {
		ui.unmount();
	}
}

const row = (frame: string, text: string) => frame.split('\n').find(line => line.includes(text)) ?? '';

test('contacts show presence as a symbol (readable without colour), status and unread count', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		const frame = await ui.waitFor('contacts', f => f.includes('carol'));
		assert.ok(frame.includes('>1 ● alice at work') && frame.includes(' 2 ◐ bob') && frame.includes(' 3 ⊘ carol'), frame);
		engine.receive(bob, 'hi there');
		engine.receive(bob, 'are you there?');
		await ui.waitFor('unread count', f => f.includes('2 ◐ bob (2)'));
		engine.emit({type: 'contact.presence', contact: carol, state: 'online', status: 'back'});
		engine.emit({type: 'contact.offline', contact: bob, reason: 'bye'});
		await ui.waitFor('presence change', f => f.includes('3 ● carol back') && f.includes('2 ○ bob'));
	});
});

test('typing sends to the open contact; delivery state and the contact typing show', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press('héllo 漢字');
		await pollUntil('typing told', () => engine.callsOf('setTyping').length === 1);
		ui.press(keys.enter);
		await ui.waitFor('queued', f => f.includes('me: héllo 漢字 … queued'));
		assert.deepEqual(engine.callsOf('send'), [[alice, 'héllo 漢字']]);
		assert.deepEqual(engine.callsOf('setTyping'), [[alice, true], [alice, false]]);
		const sent = engine.conversations.get(alice)!.at(-1)!;
		engine.emit({type: 'message.state', id: sent.id, contact: alice, state: 'delivered'});
		await ui.waitFor('delivered', f => f.includes('me: héllo 漢字 ✓✓'));
		engine.emit({type: 'contact.typing', contact: alice, typing: true});
		await ui.waitFor('typing indicator', f => f.includes('alice │ online "at work" │ typing…'));
		engine.receive(alice, 'hi!');
		await ui.waitFor('message and indicator gone', f => f.includes('alice: hi!') && !f.includes('typing…'));
		await pollUntil('read at once', () => engine.callsOf('markRead').some(([contact]) => contact === alice) && engine.contactList[0]!.unread === 0);
	});
});

test('keys: Tab and Shift-Tab move the focus, Ctrl-N and Alt-N change contact, Ctrl-X goes to unread', async () => {
	const engine = threeContacts();
	let bells = 0;
	await withChat({engine, props: {bell: () => bells++}}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(keys.ctrlN);
		await ui.waitFor('bob open', f => f.includes('bob>'));
		ui.press('\u001B3');
		await ui.waitFor('carol open', f => f.includes('carol>'));
		engine.receive(alice, 'ping');
		await pollUntil('bell rang', () => bells === 1);
		ui.press(keys.ctrlX);
		await ui.waitFor('alice open with the unread marker', f => f.includes('alice>') && f.includes('new messages') && f.includes('alice: ping'));
		// Tab to the contacts pane: Up/Down move between contacts there.
		ui.press(keys.tab);
		ui.press(keys.down);
		await ui.waitFor('bob by Down', f => f.includes('bob>'));
		// Shift-Tab back to the input line: Up walks the history there, not the contacts.
		ui.press(keys.shiftTab);
		ui.press(`first line${keys.enter}`);
		await pollUntil('sent', () => engine.callsOf('send').length === 1);
		ui.press(keys.up);
		await ui.waitFor('history', f => row(f, 'bob>').includes('bob> first line'));
	});
});

test('a burst of keys in one read is handled key by key (Backspaces and Enter included)', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(`abcd${keys.backspace}${keys.backspace}${keys.backspace}xy${keys.enter}second${keys.enter}`);
		await pollUntil('two messages', () => engine.callsOf('send').length === 2);
		assert.deepEqual(engine.callsOf('send').map(([, text]) => text), ['axy', 'second']);
	});
});

test('a bracketed paste keeps its line breaks as one message', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press('\u001B[200~line one\rline two\u001B[201~');
		await ui.waitFor('pasted', f => f.includes('line one⏎line two'));
		ui.press(keys.enter);
		await pollUntil('sent', () => engine.callsOf('send').length === 1);
		assert.deepEqual(engine.callsOf('send'), [[alice, 'line one\nline two']]);
	});
});

test('PageUp scrolls back and reads older pages from the engine; PageDown returns', async () => {
	const engine = threeContacts();
	engine.seedHistory(alice, 1000);
	await withChat({engine}, async ui => {
		await ui.waitFor('newest', f => f.includes('message 1000'));
		const firstRead = engine.callsOf('history');
		assert.equal(firstRead.length, 1);
		assert.ok((firstRead[0]![2] as number) <= 200, 'only one page is read on open');
		for (let page = 0; page < 12; page++) {
			ui.press(keys.pageUp);
		}

		await ui.waitFor('an older page', f => /message 7\d\d\b/.test(f));
		assert.ok(engine.callsOf('history').length >= 2);
		assert.ok(engine.callsOf('history').slice(1).every(([, before]) => (before as number) < 1000), 'older pages by position');
		await ui.waitFor('scroll hint', f => f.includes('scrolled back'));
		for (let page = 0; page < 40; page++) {
			ui.press(keys.pageDown);
		}

		await ui.waitFor('back at the newest', f => f.includes('message 1000') && !f.includes('scrolled back'));
	});
});

test('/status, /hide, /show, /rename, /remove (confirmed), /fingerprint, /search, unknown commands', async () => {
	const engine = threeContacts();
	engine.seedHistory(bob, 3, index => ({body: `lunch plan ${index}`}));
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(`/status busy in a call${keys.enter}`);
		await ui.waitFor('busy', f => f.includes('⊘ busy "in a call"'));
		assert.deepEqual(engine.callsOf('setPresence'), [['busy', 'in a call']]);
		ui.press(`/hide${keys.enter}`);
		await ui.waitFor('hidden', f => f.includes('You appear offline to alice') && row(f, '1 ●').includes('[hidden]'));
		ui.press(`/show alice${keys.enter}`);
		await ui.waitFor('shown', f => f.includes('alice can see you again') && !f.includes('[hidden]'));
		ui.press(`/rename bob robert${keys.enter}`);
		await ui.waitFor('renamed', f => f.includes('robert'));
		ui.press(`/fingerprint${keys.enter}`);
		await ui.waitFor('fingerprints', f => f.includes('AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAA1') && f.includes('FFFF FFFF'));
		// Escape alone, then the next keys: Escape followed at once by a key is Alt and that key.
		ui.press(keys.escape);
		await ui.waitFor('closed', f => !f.includes('Fingerprints'));
		ui.press(`/search -a lunch${keys.enter}`);
		await ui.waitFor('search results', f => f.includes('3 found') && f.includes('lunch plan 2'));
		ui.press(keys.escape);
		await ui.waitFor('closed', f => !f.includes('3 found'));
		ui.press(`/remove carol${keys.enter}`);
		await ui.waitFor('question', f => f.includes('Remove carol'));
		ui.press('n');
		await ui.waitFor('cancelled', f => f.includes('Cancelled.'));
		assert.equal(engine.callsOf('removeContact').length, 0);
		ui.press(`/remove carol${keys.enter}`);
		await ui.waitFor('question', f => f.includes('Remove carol'));
		ui.press('y');
		await ui.waitFor('removed', f => f.includes('Removed carol') && !f.includes('⊘ carol'));
		ui.press(`/frobnicate${keys.enter}`);
		await ui.waitFor('unknown', f => f.includes('Unknown command /frobnicate'));
		ui.press(`/status sleepy${keys.enter}`);
		await ui.waitFor('usage', f => f.includes('Usage: /status online|away|busy|invisible'));
	});
});

test('a failing engine call is a notice that names the command, and the screen keeps working', async () => {
	const engine = threeContacts();
	engine.failing.add('send');
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(`hello${keys.enter}`);
		await ui.waitFor('error, and the text given back', f => f.includes('Not sent: send is broken in this test') && f.includes('alice> hello'));
		ui.press('\u0015');
		ui.press(`/hide bob${keys.enter}`);
		await ui.waitFor('still works', f => f.includes('You appear offline to bob'));
		engine.failing.add('history');
		ui.press(keys.ctrlN);
		await ui.waitFor('history error', f => f.includes('Could not read the history: history is broken in this test') && f.includes('bob>'));
	});
});

test('help from the keymap (F1 and /help), Ctrl-C and /quit ask to quit', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(keys.f1);
		const help = await ui.waitFor('help', f => f.includes('Keys (Esc closes'));
		assert.ok(help.includes('Ctrl-N, Down') && help.includes('Alt-1..9') && help.includes('PageUp'));
		ui.press(keys.pageDown);
		await ui.waitFor('commands part', f => f.includes('/add KEYID|FINGERPRINT|FILE'));
		ui.press(keys.escape);
		await ui.waitFor('help closed', f => !f.includes('Keys (Esc closes'));
		ui.press(keys.ctrlC);
		await pollUntil('quit by Ctrl-C', () => ui.quits() === 1);
		ui.press(`/quit${keys.enter}`);
		await pollUntil('quit by /quit', () => ui.quits() === 2);
	});
});

test('the layout fits 80x24, grows on resize, and shows Tor progress while starting', async () => {
	const engine = threeContacts();
	engine.engineStatus = {...engine.engineStatus, lifecycle: 'connecting-tor', tor: {progress: 40, summary: 'Loading relay descriptors', connected: true}};
	await withChat({engine, columns: 80, rows: 23}, async ui => {
		const frame = await ui.waitFor('starting', f => f.includes('Starting Tor: 40% Loading relay descriptors'));
		const lines = frame.split('\n');
		assert.equal(lines.length, 23);
		assert.ok(lines.every(line => [...line].length <= 80), lines.find(line => [...line].length > 80));
		engine.emit({type: 'tor.bootstrap', progress: 100, summary: 'Done'});
		engine.engineStatus = {...engine.engineStatus, lifecycle: 'ready', tor: {progress: 100, summary: 'Done', connected: true}};
		engine.emit({type: 'lifecycle', state: 'ready'});
		await ui.waitFor('ready', f => !f.includes('Starting Tor') && f.includes('Tor ok'));
		ui.resize(140, 40);
		const wide = await ui.waitFor('wide', f => f.split('\n').length === 40);
		assert.ok(wide.includes('alice AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAA1'), 'the full fingerprint fits at 140 columns');
		ui.resize(80, 23);
		await ui.waitFor('narrow again', f => f.split('\n').length === 23);
	});
});

test('Ctrl-L clears the terminal and draws again; engine errors show as a notice', async () => {
	const engine = threeContacts();
	let redraws = 0;
	await withChat({engine, props: {onRedraw: () => redraws++}}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press('\u000C');
		await ui.waitFor('redrawn', f => f.includes('Screen redrawn.'));
		ui.press('\u000C');
		await ui.waitFor('redrawn again', f => f.includes('Screen redrawn again.'));
		assert.equal(redraws, 2);
		engine.emit({type: 'error', scope: 'tor', message: 'control port closed\u001B[2J'});
		await ui.waitFor('error notice', f => f.includes('tor: control port closed'));
	});
});

test('auto-away after the idle minutes, online again on the next key', async () => {
	const engine = threeContacts();
	let fire: (() => void) | undefined;
	let now = 0;
	const timers = {now: () => now, setTimeout: (callback: () => void) => (fire = callback), clearTimeout: () => undefined};
	await withChat({engine, props: {autoAwayMinutes: 5, timers}}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		now = 5 * 60_000;
		fire?.();
		await ui.waitFor('away', f => f.includes('◐ away │'));
		ui.press('x');
		await ui.waitFor('online', f => f.includes('● online │'));
		assert.deepEqual(engine.callsOf('setPresence'), [['away', undefined], ['online', undefined]]);
	});
});

test('a start that fails shows why on the screen', async () => {
	const engine = threeContacts();
	const startup = Promise.reject(new Error('No tor found. Install it with: apt-get install tor'));
	await withChat({engine, props: {startup}}, async ui => {
		await ui.waitFor('start error', f => f.includes('Could not go online: No tor found. Install it with: apt-get install tor'));
	});
});

test('? is text in the input line and the help in the other panes', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(`?${keys.enter}`);
		await pollUntil('sent', () => engine.callsOf('send').length === 1);
		assert.deepEqual(engine.callsOf('send'), [[alice, '?']]);
		ui.press(keys.tab);
		ui.press('?');
		await ui.waitFor('help', f => f.includes('Keys (Esc closes'));
	});
});

test('the Tor-lost layout says messages wait; in the conversation pane Up and Down scroll by a row', async () => {
	const engine = threeContacts();
	engine.seedHistory(alice, 100);
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('message 100'));
		engine.engineStatus = {...engine.engineStatus, tor: {progress: 100, summary: 'Done', connected: false}};
		engine.emit({type: 'lifecycle', state: 'ready'});
		await ui.waitFor('tor lost', f => f.includes('Tor is not reachable: messages stay queued until it is back.') && f.includes('Tor down'));
		ui.press(keys.tab);
		ui.press(keys.tab);
		await ui.waitFor('conversation focused', f => f.includes('alice │ online'));
		ui.press(keys.up);
		await ui.waitFor('one row back', f => f.includes('message 99') && !f.includes('message 100'));
		ui.press(keys.down);
		await ui.waitFor('back at the newest', f => f.includes('message 100'));
	});
});

test('a paste longer than the line can hold is cut, and the user is told', async () => {
	const engine = threeContacts();
	await withChat({engine}, async ui => {
		await ui.waitFor('ready', f => f.includes('alice>'));
		ui.press(`\u001B[200~${'0123456789'.repeat(2000)}\u001B[201~`);
		await ui.waitFor('told', f => f.includes('The line holds at most 16384 characters'));
		ui.press(keys.enter);
		await pollUntil('sent', () => engine.callsOf('send').length === 1);
		assert.equal((engine.callsOf('send')[0]![1] as string).length, 16_384);
		// Two bytes a character: too long for one message; nothing is sent and the line stays.
		ui.press(`\u001B[200~${'é'.repeat(9000)}\u001B[201~`);
		ui.press(keys.enter);
		await ui.waitFor('too long', f => f.includes('Too long for one message: 18000 bytes, at most 16384'));
		assert.equal(engine.callsOf('send').length, 1);
		assert.ok(ui.frame().includes('alice> éééé'), 'the line is kept');
	});
});
