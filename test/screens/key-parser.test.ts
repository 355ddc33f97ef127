// Splitting raw terminal input: bursts and pastes must keep every key (Ink merges them and drops flags).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {KeyParser} from '../../source/screens/key-parser.js';

const names = (data: string | string[]) => {
	const parser = new KeyParser();
	return (Array.isArray(data) ? data : [data]).flatMap(chunk => parser.push(chunk)).map(key => (key.text === undefined ? key.name : `${key.name}:${key.text}`));
};

test('three Backspaces in one read are three keys, two Enters two', () => {
	assert.deepEqual(names('\u007F\u007F\u007F'), ['backspace', 'backspace', 'backspace']);
	assert.deepEqual(names('\r\r'), ['enter', 'enter']);
	assert.deepEqual(names('ab\u007Fc\r'), ['text:ab', 'backspace', 'text:c', 'enter']);
});

test('escape sequences: arrows, pages, Shift-Tab, F1, Ctrl and Alt keys', () => {
	assert.deepEqual(names('\u001B[A\u001B[B\u001B[5~\u001B[6~\u001B[Z\u001BOP\u001B[3~'), ['up', 'down', 'pageup', 'pagedown', 'shift-tab', 'f1', 'delete']);
	assert.deepEqual(names('\u000E\u0010\u000C\u0003\t'), ['ctrl-n', 'ctrl-p', 'ctrl-l', 'ctrl-c', 'tab']);
	assert.deepEqual(names('\u001B1\u001B9\u001Ba'), ['alt-1', 'alt-9', 'alt-a']);
	assert.deepEqual(names('\u001B'), ['escape']);
	assert.deepEqual(names('\u001B[1;5A'), ['ctrl-up']);
});

test('a bracketed paste is one key with its line breaks, even split across reads', () => {
	assert.deepEqual(names('\u001B[200~line one\r\nline two\u001B[201~'), ['paste:line one\r\nline two']);
	assert.deepEqual(names(['\u001B[200~first ', 'half\r', 'second\u001B[201~x']), ['paste:first half\rsecond', 'text:x']);
});

test('wide and combining characters stay text; stray control bytes are dropped', () => {
	assert.deepEqual(names('漢字 é 👍🏽'), ['text:漢字 é 👍🏽']);
	assert.deepEqual(names('a\u0000\u0085b'), ['text:ab']);
});
