// Widths per grapheme as Ink measures them (string-width): flags, ZWJ sequences, CJK and
// combining marks. What umbra computes for the input line's window and the conversation's rows
// must be what Ink draws, or Ink cuts or re-wraps the line behind umbra's back.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {Box} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import stringWidth from 'string-width';
import {messageRows} from '../../source/screens/conversation-layout.js';
import {initialInputState, inputReducer, type InputState} from '../../source/screens/input-reducer.js';
import {InputLine, inputView} from '../../source/screens/input-line.js';
import {fitWidth, graphemes, textWidth, wrap} from '../../source/screens/text-width.js';
import {contactView, FakeEngine} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

after(cleanup);

const samples = {
	flag: '🇩🇪',
	rainbowFlag: '🏳️‍🌈',
	family: '👨‍👩‍👧',
	skinTone: '👍🏽',
	cjk: '漢',
	combining: 'e\u0301',
	keycap: '1️⃣',
	devanagari: '\u0915\u094D\u0937',
};
const mixed = Object.values(samples).join('') + 'ab';

test('each sample is one grapheme, as wide as Ink measures it', () => {
	assert.deepEqual(Object.fromEntries(Object.entries(samples).map(([name, text]) => [name, textWidth(text)])), {
		flag: 2, rainbowFlag: 2, family: 2, skinTone: 2, cjk: 2, combining: 1, keycap: 2, devanagari: 1,
	});
	for (const text of Object.values(samples)) {
		assert.equal(graphemes(text).length, 1, text);
		assert.equal(textWidth(text), stringWidth(text), text);
	}
});

test('the cursor steps over whole clusters, and the window Ink draws is the one computed', () => {
	let state: InputState = inputReducer(initialInputState, {type: 'insert', text: mixed});
	assert.equal(state.chars.length, Object.keys(samples).length + 2);
	const positions: InputState[] = [];
	for (let index = 0; index <= state.chars.length; index++) {
		positions.push(state);
		state = inputReducer(state, {type: 'left'});
	}

	assert.equal(state.cursor, 0);
	for (const width of [4, 5, 7, 9, 12, 40]) {
		for (const position of positions) {
			const view = inputView(position, width);
			assert.equal(view.atCursor, position.chars[position.cursor] ?? ' ');
			const shown = view.before + view.atCursor + view.after;
			assert.ok(textWidth(shown) <= width, `${shown} in ${width}`);
			// Ink cuts a line wider than its box with '…': what it draws must be all of the window.
			const prompt = '漢> ';
			const instance = render(<Box width={width + textWidth(prompt)}><InputLine state={position} width={width + textWidth(prompt)} focused={false} prompt={prompt} /></Box>);
			assert.equal(instance.lastFrame(), (prompt + shown).trimEnd(), `width ${width}, cursor ${position.cursor}`);
			instance.unmount();
		}
	}
});

test('wrapping never splits a cluster and never makes a row wider than asked', () => {
	const text = mixed.repeat(5);
	for (let width = 2; width <= 24; width++) {
		const rows = wrap(text, width);
		assert.equal(rows.join(''), text, `width ${width}`);
		for (const row of rows) {
			assert.ok(stringWidth(row) <= width, `${row} is wider than ${width}`);
			assert.deepEqual(graphemes(row).filter(cluster => !text.includes(cluster)), []);
		}
	}

	assert.equal(stringWidth(fitWidth(`${samples.flag}${samples.cjk} alice`, 12)), 12);
	assert.equal(stringWidth(fitWidth(mixed.repeat(3), 12)), 12);
});

test('in the chat, every conversation row Ink draws is the row computed, whole', async () => {
	const engine = new FakeEngine();
	const alice = 'A'.repeat(40);
	engine.addContactView(contactView(`${samples.flag}alice`, alice, {presence: 'online'}));
	const ui = renderChat({engine, columns: 60, rows: 20});
	try {
		await ui.waitFor('the contact', frame => frame.includes('alice>'));
		const body = `${mixed} ${mixed}${mixed} ${samples.family.repeat(12)}`;
		const message = engine.receive(alice, body);
		const frame = await ui.waitFor('the message', screen => screen.includes(samples.family));
		const rows = messageRows(message, {width: 60 - 24 - 2, ownName: 'me', contactName: `${samples.flag}alice`, now: Date.now()});
		assert.ok(rows.length > 1, 'the message wraps');
		for (const row of rows) {
			assert.ok(frame.includes(row.text.trimEnd()), `row not drawn whole: ${row.text}\n${frame}`);
		}

		for (const line of frame.split('\n')) {
			assert.ok(stringWidth(line) <= 60, `a line wider than the terminal: ${line}`);
		}
	} finally {
		ui.unmount();
	}
});
