// The input line without Ink: editing by grapheme, history with a draft, paste limits.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {initialInputState, inputReducer, inputText, maxInputLength, type InputAction, type InputState} from '../../source/screens/input-reducer.js';

const run = (actions: InputAction[], state: InputState = initialInputState) => actions.reduce(inputReducer, state);

test('the cursor steps over whole graphemes: wide, combining, emoji with skin tone', () => {
	const state = run([{type: 'insert', text: 'a漢e\u0301👍🏽b'}, {type: 'left'}, {type: 'backspace'}, {type: 'left'}, {type: 'backspace'}]);
	assert.equal(inputText(state), 'ae\u0301b');
	assert.equal(state.cursor, 1);
	assert.equal(inputText(run([{type: 'right'}, {type: 'backspace'}, {type: 'home'}, {type: 'delete'}, {type: 'end'}, {type: 'insert', text: '!'}], state)), 'b!');
});

test('insert in the middle, delete a word, clear to the start', () => {
	let state = run([{type: 'insert', text: 'hello world'}, {type: 'home'}, {type: 'insert', text: '> '}]);
	assert.equal(inputText(state), '> hello world');
	state = run([{type: 'end'}, {type: 'delete-word'}], state);
	assert.equal(inputText(state), '> hello ');
	state = run([{type: 'left'}, {type: 'left'}, {type: 'clear-to-start'}], state);
	assert.equal(inputText(state), 'o ');
	assert.equal(state.cursor, 0);
});

test('history walks back and forth and gives the draft back', () => {
	let state = run([{type: 'insert', text: 'first'}, {type: 'submitted'}, {type: 'insert', text: 'second'}, {type: 'submitted'}, {type: 'insert', text: 'draft'}]);
	state = run([{type: 'history-previous'}], state);
	assert.equal(inputText(state), 'second');
	state = run([{type: 'history-previous'}, {type: 'history-previous'}], state);
	assert.equal(inputText(state), 'first');
	state = run([{type: 'history-next'}, {type: 'history-next'}], state);
	assert.equal(inputText(state), 'draft');
	assert.deepEqual(state.history, ['first', 'second']);
	// Blank lines and repeats do not go into the history.
	state = run([{type: 'clear'}, {type: 'insert', text: 'second'}, {type: 'submitted'}, {type: 'insert', text: '  '}, {type: 'submitted'}], state);
	assert.deepEqual(state.history, ['first', 'second']);
});

test('a paste keeps its line breaks and tabs become spaces; a runaway paste is cut at the limit', () => {
	assert.equal(inputText(run([{type: 'insert', text: 'a\r\nb\tc'}])), 'a\nb    c');
	const huge = run([{type: 'insert', text: 'x'.repeat(maxInputLength + 500)}]);
	assert.equal(huge.chars.length, maxInputLength);
	assert.equal(run([{type: 'insert', text: 'more'}], huge), huge);
});
