// The keymap is the one table the dispatcher, the help overlay and the man page read. Both
// directions are checked against the real dispatcher: every binding in the table does its
// action, and every key the dispatcher acts on is in the table for that pane.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {contactsReducer, initialContactsState} from '../../source/screens/contacts-reducer.js';
import {conversationReducer, initialConversationState} from '../../source/screens/conversation-reducer.js';
import {handleKey, type KeyContext} from '../../source/screens/handle-key.js';
import {initialInputState, inputReducer} from '../../source/screens/input-reducer.js';
import {KeyParser, type Key} from '../../source/screens/key-parser.js';
import {actionsFor, keymap} from '../../source/screens/keymap.js';
import {helpLines} from '../../source/screens/overlays.js';
import type {TypingNotifier} from '../../source/screens/typing-notifier.js';
import {initialUiState, uiReducer, type Pane} from '../../source/screens/ui-reducer.js';
import type {Chat} from '../../source/screens/use-chat.js';
import {contactView, FakeEngine} from '../helpers/fake-engine.js';

const panes: readonly Pane[] = ['input', 'contacts', 'conversation'];

/** A dispatcher over the real reducers, with some text typed and two contacts; `effects` lists what it did. */
function dispatcher(focus: Pane) {
	const engine = new FakeEngine();
	const contacts = [contactView('alice', 'A'.repeat(40)), contactView('bob', 'B'.repeat(40))];
	const state = {
		contacts: contactsReducer(initialContactsState, {type: 'loaded', contacts}),
		conversation: initialConversationState,
		ui: {...initialUiState, focus},
		input: inputReducer(initialInputState, {type: 'insert', text: '/hel'}),
	};
	const effects: string[] = [];
	const chat = {
		engine,
		bodyRows: 10,
		current: () => state,
		uiDispatch(action: Parameters<typeof uiReducer>[1]) {
			effects.push(`ui ${action.type}`);
			state.ui = uiReducer(state.ui, action);
		},
		inputDispatch(action: Parameters<typeof inputReducer>[1]) {
			effects.push(`input ${action.type}`);
			state.input = inputReducer(state.input, action);
		},
		contactsDispatch(action: Parameters<typeof contactsReducer>[1]) {
			effects.push(`contacts ${action.type}`);
			state.contacts = contactsReducer(state.contacts, action);
		},
		conversationDispatch(action: Parameters<typeof conversationReducer>[1]) {
			effects.push(`conversation ${action.type}`);
			state.conversation = conversationReducer(state.conversation, action);
		},
		// The real one reads older pages first; here only the scroll itself is seen.
		scrollConversation(rows: number) {
			chat.conversationDispatch({type: 'scroll', rows});
		},
	} as unknown as Chat;
	const context: KeyContext = {
		chat,
		quit: () => effects.push('quit'),
		redraw: () => effects.push('redraw'),
		cwd: process.cwd(),
		typing: {update: () => undefined} as unknown as TypingNotifier,
	};
	return {press: (key: Key) => handleKey(context, key), effects};
}

/** The key a binding names, as key-parser.ts gives it. */
const keyOf = (name: string): Key => (name.length === 1 ? {name: 'text', text: name} : {name});

test('every binding in the table does its action in the panes it is bound in', () => {
	for (const entry of keymap) {
		for (const binding of entry.bindings) {
			// A binding for every pane is tested where no pane's own binding of that key comes first.
			const where = (binding.in ?? panes).filter(pane => actionsFor(binding.key, pane)[0] === entry.action);
			assert.ok(where.length > 0, `${binding.key} for ${entry.action} is shadowed in every pane`);
			for (const pane of where) {
				const {press, effects} = dispatcher(pane);
				assert.equal(press(keyOf(binding.key)), entry.action, `${binding.key} in the ${pane} pane`);
				assert.ok(effects.length > 0, `${binding.key} in the ${pane} pane changed nothing`);
			}
		}
	}
});

/** Every key key-parser.ts can give: named keys with their modifiers, control and Alt letters, printable characters. */
function everyKey(): Key[] {
	const sequences = [
		'\r', '\t', '\u007F', '\u001B',
		...Array.from({length: 26}, (_, index) => String.fromCodePoint(index + 1)),
		...'ABCDHFZP'.split('').flatMap(final => [`\u001B[${final}`, `\u001BO${final}`, ...['2', '3', '5'].map(modifier => `\u001B[1;${modifier}${final}`)]),
		...['1', '2', '3', '4', '5', '6', '7', '8', '11'].flatMap(code => [`\u001B[${code}~`, ...['2', '3', '5'].map(modifier => `\u001B[${code};${modifier}~`)]),
		...Array.from({length: 0x7F - 0x20}, (_, index) => String.fromCodePoint(0x20 + index)).flatMap(char => [char, `\u001B${char}`]),
		'\u001B\r',
	];
	const keys = new Map<string, Key>();
	for (const sequence of sequences) {
		for (const key of new KeyParser().push(sequence)) {
			keys.set(`${key.name} ${key.text ?? ''}`, key);
		}
	}

	return [...keys.values()];
}

test('every key the dispatcher acts on is in the table for that pane', () => {
	const keys = everyKey();
	assert.ok(keys.length > 200, `only ${keys.length} distinct keys`);
	for (const pane of panes) {
		for (const key of keys) {
			const {press, effects} = dispatcher(pane);
			const taken = press(key);
			const name = key.name === 'text' && key.text?.length === 1 ? key.text : key.name;
			if (taken === undefined) {
				assert.deepEqual(effects, [], `${name} in the ${pane} pane did something no action of the table says`);
			} else if (taken !== 'typed') {
				const entry = keymap.find(candidate => candidate.action === taken);
				assert.ok(entry?.bindings.some(binding => binding.key === name && (binding.in === undefined || binding.in.includes(pane))), `${name} in the ${pane} pane did ${taken}, which the table does not bind it to`);
			} else {
				assert.ok(key.name === 'text' || key.name === 'paste', `${name} was typed`);
			}
		}
	}
});

test('every entry is complete, and its action unique', () => {
	assert.equal(new Set(keymap.map(entry => entry.action)).size, keymap.length, 'one entry per action');
	for (const entry of keymap) {
		assert.ok(entry.keys.length > 0 && entry.keys.every(key => key.trim() !== ''), entry.action);
		assert.ok(entry.bindings.length > 0, entry.action);
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
