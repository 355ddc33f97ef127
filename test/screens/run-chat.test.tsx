// runChat as the CLI and the demo call it: a terminal-like stdin and stdout, the alternate
// screen and bracketed paste switched on and back off, the engine stopped before it resolves.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {runChat} from '../../source/screens/index.js';
import {contactView, fakeFingerprint, FakeEngine} from '../helpers/fake-engine.js';
import {pollUntil} from '../helpers/waiters.js';
import {terminal} from './terminal.js';

test('Ctrl-C stops the engine (bye first) and gives the terminal back', async () => {
	const engine = new FakeEngine();
	engine.addContactView(contactView('alice', fakeFingerprint(1), {presence: 'online'}));
	const {stdin, stdout, streams} = terminal();
	const done = runChat({engine, ...streams, settings: {autoAwayMinutes: 10, bell: true}});
	await pollUntil('first frame', () => stdout.written.includes('alice>'));
	assert.ok(stdout.written.startsWith('\u001B[?1049h\u001B[?2004h'), 'alternate screen and bracketed paste on');
	assert.equal(stdin.rawMode, true);
	engine.receive(fakeFingerprint(2), 'from someone not on screen');
	await pollUntil('bell', () => stdout.written.includes('\u0007'));
	stdout.columns = 100;
	stdout.rows = 30;
	stdout.emit('resize');
	await pollUntil('wider frame', () => stdout.written.includes('alice key AAAA AAAA AAAA AAA1'));
	stdin.type('\u0003');
	await done;
	assert.equal(engine.stopped, true);
	assert.ok(stdout.written.endsWith('\u001B[?2004l\u001B[?1049l'), 'bracketed paste and alternate screen off at the end');
	assert.equal(stdin.rawMode, false);
});

test('an aborted signal (SIGTERM, SIGINT) leaves like /quit', async () => {
	const engine = new FakeEngine();
	const {stdout, streams} = terminal();
	const controller = new AbortController();
	const done = runChat({engine, ...streams, signal: controller.signal});
	await pollUntil('first frame', () => stdout.written.includes('No contacts yet'));
	controller.abort();
	await done;
	assert.equal(engine.stopped, true);
});

test('/quit leaves; the bell stays quiet when turned off', async () => {
	const engine = new FakeEngine();
	engine.addContactView(contactView('alice', fakeFingerprint(1)));
	const {stdin, stdout, streams} = terminal();
	const done = runChat({engine, ...streams, settings: {autoAwayMinutes: 0, bell: false}});
	await pollUntil('first frame', () => stdout.written.includes('alice>'));
	engine.receive(fakeFingerprint(2), 'hello');
	stdin.type('/quit\r');
	await done;
	assert.ok(!stdout.written.includes('\u0007'));
	assert.equal(engine.stopped, true);
});

