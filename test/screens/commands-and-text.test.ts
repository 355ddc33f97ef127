// Parsing and completing the input line's commands; terminal widths; auto-away's timer.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {AutoAway, type Timers} from '../../source/screens/auto-away.js';
import {TypingNotifier, typingPauseMs} from '../../source/screens/typing-notifier.js';
import {inputView} from '../../source/screens/input-line.js';
import {initialInputState, inputReducer} from '../../source/screens/input-reducer.js';
import {complete, parseLine} from '../../source/screens/slash-commands.js';
import {textWidth, truncate, wrap} from '../../source/screens/text-width.js';

test('lines: messages, commands, // for a message that starts with a slash', () => {
	assert.deepEqual(parseLine('hello'), {kind: 'message', text: 'hello'});
	assert.deepEqual(parseLine('/Status away  lunch '), {kind: 'command', name: 'status', args: 'away  lunch'});
	assert.deepEqual(parseLine('//usr/bin'), {kind: 'message', text: '/usr/bin'});
	assert.deepEqual(parseLine('   '), {kind: 'empty'});
});

test('Tab completes commands, presence states and contact names', () => {
	const names = ['alice', 'Albert', 'bob'];
	assert.equal(complete('/ren', names), '/rename ');
	assert.equal(complete('/s', names), undefined, 'status, show and search share only "s"');
	assert.equal(complete('/se', names), '/search ');
	assert.equal(complete('/status a', names), '/status away ');
	assert.equal(complete('/hide b', names), '/hide bob ');
	assert.equal(complete('/hide al', names), undefined, 'alice and Albert share only what is typed');
	assert.equal(complete('/hide a', names), '/hide al', 'the common prefix');
	assert.equal(complete('/hide ali', names), '/hide alice ');
	assert.equal(complete('bo', names), 'bob: ');
	assert.equal(complete('hello th', names), undefined);
	assert.equal(complete('/add 1234', names), undefined);
});

test('widths: CJK and emoji take two cells, combining marks none', () => {
	assert.equal(textWidth('abc'), 3);
	assert.equal(textWidth('漢字'), 4);
	assert.equal(textWidth('e\u0301'), 1);
	assert.equal(textWidth('👍🏽'), 2);
	assert.equal(truncate('漢字漢字', 5), '漢字…');
	for (const row of wrap('漢字'.repeat(30), 11)) {
		assert.ok(textWidth(row) <= 11, row);
	}
});

test('the input line scrolls sideways to keep the cursor on screen', () => {
	const long = inputReducer(initialInputState, {type: 'insert', text: `${'x'.repeat(100)}END`});
	const view = inputView(long, 20);
	assert.ok(view.before.endsWith('END'));
	assert.ok(textWidth(view.before + view.atCursor + view.after) <= 20);
	const home = inputView(inputReducer(long, {type: 'home'}), 20);
	assert.equal(home.before, '');
	assert.equal(home.atCursor, 'x');
	assert.ok(textWidth(home.atCursor + home.after) <= 20);
});

function fakeTimers() {
	let now = 0;
	const pending: Array<{at: number; callback: () => void}> = [];
	const timers: Timers = {
		now: () => now,
		setTimeout(callback, ms) {
			const entry = {at: now + ms, callback};
			pending.push(entry);
			return entry;
		},
		clearTimeout(handle) {
			const index = pending.indexOf(handle as (typeof pending)[number]);
			if (index !== -1) {
				pending.splice(index, 1);
			}
		},
	};
	const advance = (ms: number) => {
		now += ms;
		for (let due = pending.find(entry => entry.at <= now); due; due = pending.find(entry => entry.at <= now)) {
			pending.splice(pending.indexOf(due), 1);
			due.callback();
		}
	};

	return {timers, advance, pending};
}

test('auto-away: away after the idle time, back on the next key, never over a chosen presence', () => {
	const {timers, advance, pending} = fakeTimers();
	const log: string[] = [];
	let presence = 'online';
	const auto = new AutoAway({idleMs: 60_000, isOnline: () => presence === 'online', goAway: () => log.push('away'), comeBack: () => log.push('back'), timers});
	auto.start();
	advance(50_000);
	auto.activity();
	advance(50_000);
	assert.deepEqual(log, [], 'a key in between restarts the idle time');
	advance(10_001);
	assert.deepEqual(log, ['away']);
	assert.equal(pending.length, 0, 'no timer runs while away and idle');
	auto.activity();
	assert.deepEqual(log, ['away', 'back']);
	presence = 'busy';
	advance(120_000);
	assert.deepEqual(log, ['away', 'back'], 'busy stays busy');
	auto.stop();
	assert.equal(pending.length, 0);
});

test('typing: told once per run of keys, stopped on an empty line, another contact, or a pause', () => {
	const {timers, advance, pending} = fakeTimers();
	const told: Array<[string, boolean]> = [];
	const typing = new TypingNotifier((contact, isTyping) => told.push([contact, isTyping]), timers);
	typing.update('alice', true);
	typing.update('alice', true);
	assert.deepEqual(told, [['alice', true]]);
	typing.update('alice', false);
	assert.deepEqual(told, [['alice', true], ['alice', false]]);
	typing.update('alice', true);
	typing.update('bob', true);
	assert.deepEqual(told.slice(2), [['alice', true], ['alice', false], ['bob', true]]);
	advance(typingPauseMs - 1);
	typing.update('bob', true);
	advance(typingPauseMs - 1);
	assert.equal(told.length, 5, 'a key within the pause keeps it going');
	advance(1);
	assert.deepEqual(told.at(-1), ['bob', false]);
	assert.equal(pending.length, 0);
	typing.stop();
	assert.equal(told.length, 6, 'nothing more to say');
});
