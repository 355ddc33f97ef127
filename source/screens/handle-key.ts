// The one input dispatcher: an open question or overlay answers first; then the actions the
// keymap (keymap.ts) binds the key to, the focused pane's first; what is left and printable is
// typed into the input line.
import {maxMessageTextBytes} from '../engine/index.js';
import {cleanLine} from './clean.js';
import type {Chat} from './use-chat.js';
import {selectedContact} from './contacts-reducer.js';
import type {TypingNotifier} from './typing-notifier.js';
import {actionsFor} from './keymap.js';
import type {Key} from './key-parser.js';
import {inputText, maxInputLength, type InputAction} from './input-reducer.js';
import {graphemes} from './text-width.js';
import {parseLine, complete} from './slash-commands.js';
import {answerQuestion, runCommand, type CommandEnvironment} from './run-command.js';

export type KeyContext = {
	chat: Chat;
	/** Leaves: bye to contacts, engine stopped, screen restored. */
	quit: () => void;
	redraw: () => void;
	exportPublicKey?: (() => string) | undefined;
	cwd: string;
	typing: TypingNotifier;
};

export function commandEnvironment(context: KeyContext): CommandEnvironment {
	const {chat} = context;
	const {contacts} = chat.current();
	return {
		engine: chat.engine,
		contacts: contacts.contacts,
		selected: selectedContact(contacts),
		ui: chat.uiDispatch,
		quit: context.quit,
		search: chat.search,
		refreshStatus: chat.refreshStatus,
		exportPublicKey: context.exportPublicKey,
		cwd: context.cwd,
	};
}

function setTyping(context: KeyContext, line: string): void {
	const contact = context.chat.current().contacts.selected;
	context.typing.update(contact, line.trim() !== '' && !line.startsWith('/'));
}

function submit(context: KeyContext): void {
	const {chat} = context;
	const line = inputText(chat.current().input);
	const parsed = parseLine(line);
	if (parsed.kind === 'message' && Buffer.byteLength(parsed.text, 'utf8') > maxMessageTextBytes) {
		// Kept in the line, to shorten or split.
		chat.uiDispatch({type: 'notice', notice: {kind: 'error', text: `Too long for one message: ${Buffer.byteLength(parsed.text, 'utf8')} bytes, at most ${maxMessageTextBytes}. Shorten it or send it in parts.`}});
		return;
	}

	chat.inputDispatch({type: 'submitted'});
	// The last notice was about the last line; this one may bring its own.
	chat.uiDispatch({type: 'notice', notice: undefined});
	setTyping(context, '');
	if (parsed.kind === 'command') {
		void runCommand(commandEnvironment(context), parsed.name, parsed.args);
		return;
	}

	if (parsed.kind === 'message') {
		const contact = selectedContact(chat.current().contacts);
		if (!contact) {
			chat.uiDispatch({type: 'notice', notice: {kind: 'error', text: 'No contact is open: add one with /add KEYID|FINGERPRINT|FILE.'}});
			return;
		}

		chat.engine.send(contact.fingerprint, parsed.text).then(
			message => chat.conversationDispatch({type: 'sent', message}),
			(error: unknown) => {
				// Not stored, so not queued: give the text back unless the user is typing the next one.
				if (chat.current().input.chars.length === 0) {
					chat.inputDispatch({type: 'set', text: line});
				}

				chat.uiDispatch({type: 'notice', notice: {kind: 'error', text: cleanLine(`Not sent: ${error instanceof Error ? error.message : String(error)}`)}});
			},
		);
	}
}

/** Inserts typed or pasted text; says so when a paste was too long to keep whole. */
function insert(context: KeyContext, text: string): void {
	const {chat} = context;
	const before = chat.current().input.chars.length;
	chat.inputDispatch({type: 'insert', text});
	const added = chat.current().input.chars.length - before;
	if (added < graphemes(text).length) {
		chat.uiDispatch({type: 'notice', notice: {kind: 'error', text: `The line holds at most ${maxInputLength} characters; the rest of the paste was left out. Send it in parts.`}});
	}
}

function overlayKey(context: KeyContext, key: Key): boolean {
	const {chat} = context;
	const {overlay} = chat.current().ui;
	if (!overlay || key.name === 'ctrl-c') {
		return false;
	}

	if (overlay.kind === 'question') {
		const answer = key.name === 'text' ? (key.text ?? '').toLowerCase() : '';
		if (answer === 'y') {
			chat.uiDispatch({type: 'overlay', overlay: undefined});
			void answerQuestion(commandEnvironment(context), overlay.question);
		} else if (answer === 'n' || key.name === 'escape') {
			chat.uiDispatch({type: 'overlay', overlay: undefined});
			chat.uiDispatch({type: 'notice', notice: {kind: 'info', text: 'Cancelled.'}});
		}

		return true;
	}

	const scrolling: Record<string, number> = {up: -1, down: 1, pageup: -chat.bodyRows, pagedown: chat.bodyRows};
	if (overlay.kind === 'search' && (scrolling[key.name] !== undefined || key.name === 'enter')) {
		const chosen = overlay.results[chat.current().ui.overlaySelected];
		if (key.name !== 'enter') {
			chat.uiDispatch({type: 'overlay-select', lines: scrolling[key.name]!, count: overlay.results.length});
		} else if (chosen) {
			chat.uiDispatch({type: 'overlay', overlay: undefined});
			chat.openAt(chosen);
		} else {
			chat.uiDispatch({type: 'overlay', overlay: undefined});
		}
	} else if (scrolling[key.name] !== undefined) {
		chat.uiDispatch({type: 'overlay-scroll', lines: scrolling[key.name]!});
	} else if (key.name === 'escape' || key.name === 'enter' || key.name === 'f1' || (key.name === 'text' && (key.text === 'q' || key.text === '?'))) {
		chat.uiDispatch({type: 'overlay', overlay: undefined});
	}

	return true;
}

/** A printable character stands for itself in the keymap ('?'); other keys go by name. */
function bindingKey(key: Key): string {
	return key.name === 'text' && key.text?.length === 1 ? key.text : key.name;
}

function editLine(context: KeyContext, type: InputAction['type']): true {
	context.chat.inputDispatch({type} as InputAction);
	setTyping(context, inputText(context.chat.current().input));
	return true;
}

/** Does what `action` (keymap.ts) means; false to pass the key on to the next action bound to it. */
function runAction(context: KeyContext, action: string, key: Key): boolean {
	const {chat} = context;
	const line = inputText(chat.current().input);
	const page = Math.max(1, chat.bodyRows - 1);
	switch (action) {
		case 'focus.next': {
			chat.uiDispatch({type: 'focus-next'});
			return true;
		}

		case 'focus.previous': {
			chat.uiDispatch({type: 'focus-previous'});
			return true;
		}

		case 'focus.input': {
			chat.uiDispatch({type: 'focus', pane: 'input'});
			return true;
		}

		case 'input.complete': {
			if (line === '') {
				return false;
			}

			const completed = complete(line, chat.current().contacts.contacts.map(contact => contact.name));
			if (completed !== undefined) {
				chat.inputDispatch({type: 'set', text: completed});
			}

			return true;
		}

		case 'contact.next': {
			chat.contactsDispatch({type: 'select-next'});
			return true;
		}

		case 'contact.previous': {
			chat.contactsDispatch({type: 'select-previous'});
			return true;
		}

		case 'contact.jump': {
			chat.contactsDispatch({type: 'jump', index: Number(key.name.slice(-1)) - 1});
			return true;
		}

		case 'contact.next-unread': {
			chat.contactsDispatch({type: 'next-unread'});
			return true;
		}

		case 'input.history': {
			return editLine(context, key.name === 'up' ? 'history-previous' : 'history-next');
		}

		case 'scroll.line': {
			chat.scrollConversation(key.name === 'up' ? 1 : -1);
			return true;
		}

		case 'scroll.newest': {
			chat.conversationDispatch({type: 'follow'});
			return true;
		}

		case 'scroll.page-up': {
			chat.scrollConversation(page);
			return true;
		}

		case 'scroll.page-down': {
			chat.scrollConversation(-page);
			return true;
		}

		case 'screen.redraw': {
			// Ink rewrites only a frame that changed: the notice changes, so all of it is drawn anew.
			context.redraw();
			const again = chat.current().ui.notice?.text === 'Screen redrawn.';
			chat.uiDispatch({type: 'notice', notice: {kind: 'info', text: again ? 'Screen redrawn again.' : 'Screen redrawn.'}});
			return true;
		}

		case 'help.toggle': {
			chat.uiDispatch({type: 'toggle-help'});
			return true;
		}

		case 'input.clear-line': {
			if (line === '') {
				return false;
			}

			chat.inputDispatch({type: 'clear'});
			setTyping(context, '');
			return true;
		}

		case 'cancel': {
			chat.uiDispatch({type: 'notice', notice: undefined});
			return true;
		}

		case 'input.submit': {
			submit(context);
			return true;
		}

		case 'input.move':
		case 'input.delete': {
			// The key names are the line's actions: left, right, backspace, delete.
			return editLine(context, key.name as InputAction['type']);
		}

		case 'input.home': {
			return editLine(context, 'home');
		}

		case 'input.end': {
			return editLine(context, 'end');
		}

		case 'input.delete-word': {
			return editLine(context, 'delete-word');
		}

		case 'input.clear': {
			return editLine(context, 'clear-to-start');
		}

		case 'app.quit': {
			context.quit();
			return true;
		}

		default: {
			return false;
		}
	}
}

/**
 * Handles one key; says what took it (an action of the keymap, 'overlay', or 'typed' for text
 * into the input line), or undefined when nothing did.
 */
export function handleKey(context: KeyContext, key: Key): string | undefined {
	const {chat} = context;
	if (overlayKey(context, key)) {
		return 'overlay';
	}

	const pane = chat.current().ui.focus;
	for (const action of actionsFor(bindingKey(key), pane)) {
		if (runAction(context, action, key)) {
			return action;
		}
	}

	if (key.name !== 'text' && key.name !== 'paste') {
		return undefined;
	}

	// Typing in a list goes to the input line, as in most chat clients.
	if (pane !== 'input') {
		chat.uiDispatch({type: 'focus', pane: 'input'});
	}

	insert(context, key.text ?? '');
	setTyping(context, inputText(chat.current().input));
	return 'typed';
}
