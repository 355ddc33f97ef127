// The one input dispatcher: an open question or overlay answers first, then
// the focused pane, then the global keymap (keymap.ts).
import {maxMessageTextBytes} from '../engine/index.js';
import {cleanLine} from './clean.js';
import type {Chat} from './use-chat.js';
import {selectedContact} from './contacts-reducer.js';
import type {TypingNotifier} from './typing-notifier.js';
import {globalBindings} from './keymap.js';
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

const inputEditing: Record<string, InputAction['type']> = {
	'backspace': 'backspace',
	'delete': 'delete',
	'left': 'left',
	'right': 'right',
	'home': 'home',
	'ctrl-a': 'home',
	'end': 'end',
	'ctrl-e': 'end',
	'ctrl-w': 'delete-word',
	'ctrl-u': 'clear-to-start',
	'up': 'history-previous',
	'down': 'history-next',
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

/** Keys while the input line has the focus; true when handled. */
function inputKey(context: KeyContext, key: Key): boolean {
	const {chat} = context;
	const line = inputText(chat.current().input);
	if (key.name === 'text' || key.name === 'paste') {
		insert(context, key.text ?? '');
		setTyping(context, line + (key.text ?? ''));
		return true;
	}

	if (key.name === 'enter') {
		submit(context);
		return true;
	}

	if (key.name === 'tab' && line !== '') {
		const completed = complete(line, chat.current().contacts.contacts.map(contact => contact.name));
		if (completed !== undefined) {
			chat.inputDispatch({type: 'set', text: completed});
		}

		return true;
	}

	if (key.name === 'escape' && line !== '') {
		chat.inputDispatch({type: 'clear'});
		setTyping(context, '');
		return true;
	}

	const editing = inputEditing[key.name];
	if (editing) {
		chat.inputDispatch({type: editing} as InputAction);
		setTyping(context, inputText(chat.current().input));

		return true;
	}

	return false;
}

/** Keys while the contacts or conversation pane has the focus; true when handled. */
function paneKey(context: KeyContext, key: Key): boolean {
	const {chat} = context;
	if (key.name === 'text' && key.text === '?') {
		chat.uiDispatch({type: 'toggle-help'});
		return true;
	}

	if (key.name === 'end' || (chat.current().ui.focus === 'conversation' && key.name === 'text' && key.text === 'G')) {
		chat.conversationDispatch({type: 'follow'});
		return true;
	}

	if (key.name === 'text' || key.name === 'paste') {
		// Typing in a list goes to the input line, as in most chat clients.
		chat.uiDispatch({type: 'focus', pane: 'input'});
		insert(context, key.text ?? '');
		return true;
	}

	if (key.name === 'enter') {
		chat.uiDispatch({type: 'focus', pane: 'input'});
		return true;
	}

	if (chat.current().ui.focus === 'conversation' && (key.name === 'up' || key.name === 'down')) {
		chat.scrollConversation(key.name === 'up' ? 1 : -1);
		return true;
	}

	return false;
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

export function handleKey(context: KeyContext, key: Key): void {
	const {chat} = context;
	if (overlayKey(context, key)) {
		return;
	}

	const paneHandled = chat.current().ui.focus === 'input' ? inputKey(context, key) : paneKey(context, key);
	if (paneHandled) {
		return;
	}

	const page = Math.max(1, chat.bodyRows - 1);
	switch (globalBindings[key.name]) {
		case 'focus.next': {
			chat.uiDispatch({type: 'focus-next'});
			break;
		}

		case 'focus.previous': {
			chat.uiDispatch({type: 'focus-previous'});
			break;
		}

		case 'contact.next': {
			chat.contactsDispatch({type: 'select-next'});
			break;
		}

		case 'contact.previous': {
			chat.contactsDispatch({type: 'select-previous'});
			break;
		}

		case 'contact.jump': {
			chat.contactsDispatch({type: 'jump', index: Number(key.name.slice(-1)) - 1});
			break;
		}

		case 'contact.next-unread': {
			chat.contactsDispatch({type: 'next-unread'});
			break;
		}

		case 'scroll.page-up': {
			chat.scrollConversation(page);
			break;
		}

		case 'scroll.page-down': {
			chat.scrollConversation(-page);
			break;
		}

		case 'screen.redraw': {
			// Ink rewrites only a frame that changed: the notice changes, so all of it is drawn anew.
			context.redraw();
			const again = chat.current().ui.notice?.text === 'Screen redrawn.';
			chat.uiDispatch({type: 'notice', notice: {kind: 'info', text: again ? 'Screen redrawn again.' : 'Screen redrawn.'}});
			break;
		}

		case 'help.toggle': {
			chat.uiDispatch({type: 'toggle-help'});
			break;
		}

		case 'cancel': {
			chat.uiDispatch({type: 'notice', notice: undefined});
			break;
		}

		case 'app.quit': {
			context.quit();
			break;
		}

		default: {
			break;
		}
	}
}
