// The keymap is the one table the dispatcher, the help overlay and the man page read.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {globalBindings, keymap} from '../../source/screens/keymap.js';
import {helpLines} from '../../source/screens/overlays.js';

test('every bound action is documented in the keymap, and every entry is complete and unique', () => {
	const actions = new Set(keymap.map(entry => entry.action));
	assert.equal(actions.size, keymap.length, 'one entry per action');
	for (const action of Object.values(globalBindings)) {
		assert.ok(actions.has(action), `${action} is bound but not in the keymap`);
	}

	for (const entry of keymap) {
		assert.ok(entry.keys.length > 0 && entry.keys.every(key => key.trim() !== ''), entry.action);
		assert.match(entry.description, /^[A-Z].{8,}$/, entry.action);
	}
});

test('the help overlay lists every key of the keymap', () => {
	const help = helpLines().join('\n');
	for (const entry of keymap) {
		assert.ok(help.includes(entry.keys.join(', ')), entry.action);
		assert.ok(help.includes(entry.description), entry.action);
	}
});
