// The TUI's keys as data: the input dispatcher (handle-key.ts), the help overlay and the man
// page's KEYS section (scripts/man.ts) all read this one table, so they cannot disagree.
//
// `keys` is what users see ('Ctrl-N', 'Alt-1..9'); `bindings` are the key names key-parser.ts
// gives (a printable character stands for itself, e.g. '?'), each either everywhere or only in
// some panes. A pane's own bindings come first: Up in the input line walks the history before
// it would select a contact. With an overlay (help, a question) open, the overlay takes the keys.
import type {Pane} from './ui-reducer.js';

export type KeyBinding = {
	/** A key name from key-parser.ts ('ctrl-n', 'pageup'), or a printable character ('?'). */
	key: string;
	/** Only while one of these panes has the focus; everywhere when absent. */
	in?: readonly Pane[];
};

export type KeymapEntry = {
	/** As shown to users, e.g. 'Tab', 'Ctrl-N', 'Alt-1..9'. */
	keys: string[];
	/** A stable id, e.g. 'contact.next'. */
	action: string;
	bindings: readonly KeyBinding[];
	description: string;
};

const everywhere = (...keys: string[]): KeyBinding[] => keys.map(key => ({key}));
const inPanes = (panes: readonly Pane[], ...keys: string[]): KeyBinding[] => keys.map(key => ({key, in: panes}));
const lists: readonly Pane[] = ['contacts', 'conversation'];

export const keymap: readonly KeymapEntry[] = [
	{keys: ['Tab'], action: 'focus.next', bindings: everywhere('tab'), description: 'Next pane (contacts, conversation, input)'},
	{keys: ['Tab'], action: 'input.complete', bindings: inPanes(['input'], 'tab'), description: 'In the input line with text typed: complete a command or contact name'},
	{keys: ['Shift-Tab'], action: 'focus.previous', bindings: everywhere('shift-tab'), description: 'Previous pane'},
	{keys: ['Ctrl-N', 'Down'], action: 'contact.next', bindings: everywhere('ctrl-n', 'down'), description: 'Next contact (Down: in the contacts pane)'},
	{keys: ['Ctrl-P', 'Up'], action: 'contact.previous', bindings: everywhere('ctrl-p', 'up'), description: 'Previous contact (Up: in the contacts pane)'},
	{keys: ['Up', 'Down'], action: 'input.history', bindings: inPanes(['input'], 'up', 'down'), description: 'In the input line: the lines sent before, older and newer'},
	{keys: ['Up', 'Down'], action: 'scroll.line', bindings: inPanes(['conversation'], 'up', 'down'), description: 'In the conversation: scroll back or forward one line'},
	{keys: ['Alt-1..9'], action: 'contact.jump', bindings: everywhere(...Array.from({length: 9}, (_, index) => `alt-${index + 1}`)), description: 'Open the first to ninth contact'},
	{keys: ['Alt-A', 'Ctrl-X'], action: 'contact.next-unread', bindings: everywhere('alt-a', 'ctrl-x'), description: 'Open the next contact with unread messages'},
	{keys: ['PageUp'], action: 'scroll.page-up', bindings: everywhere('pageup'), description: 'Scroll the conversation back one page (older messages load as needed)'},
	{keys: ['PageDown'], action: 'scroll.page-down', bindings: everywhere('pagedown'), description: 'Scroll the conversation forward one page'},
	{keys: ['End', 'G'], action: 'scroll.newest', bindings: [...inPanes(lists, 'end'), ...inPanes(['conversation'], 'G')], description: 'Jump to the newest message (End: in the contacts or conversation pane; G: in the conversation pane)'},
	{keys: ['Ctrl-L'], action: 'screen.redraw', bindings: everywhere('ctrl-l'), description: 'Clear and redraw the screen'},
	{keys: ['F1', '?'], action: 'help.toggle', bindings: [...everywhere('f1'), ...inPanes(lists, '?')], description: 'Show or hide this key table and the commands (?: in the contacts or conversation pane; the input line takes ? as text)'},
	{keys: ['Escape'], action: 'input.clear-line', bindings: inPanes(['input'], 'escape'), description: 'In the input line with text typed: clear it'},
	{keys: ['Escape'], action: 'cancel', bindings: everywhere('escape'), description: 'Close the help or a question, or the last notice'},
	{keys: ['Enter'], action: 'input.submit', bindings: inPanes(['input'], 'enter'), description: 'Send the line to the open contact, or run it when it starts with /; in search results, open the chosen one (Up/Down choose)'},
	{keys: ['Enter'], action: 'focus.input', bindings: inPanes(lists, 'enter'), description: 'In the contacts or conversation pane: go to the input line (typing there does too)'},
	{keys: ['Left', 'Right'], action: 'input.move', bindings: inPanes(['input'], 'left', 'right'), description: 'Move the cursor one character'},
	{keys: ['Home', 'Ctrl-A'], action: 'input.home', bindings: inPanes(['input'], 'home', 'ctrl-a'), description: 'Cursor to the start of the line'},
	{keys: ['End', 'Ctrl-E'], action: 'input.end', bindings: inPanes(['input'], 'end', 'ctrl-e'), description: 'Cursor to the end of the line'},
	{keys: ['Backspace', 'Delete'], action: 'input.delete', bindings: inPanes(['input'], 'backspace', 'delete'), description: 'Delete the character before or under the cursor'},
	{keys: ['Ctrl-W'], action: 'input.delete-word', bindings: inPanes(['input'], 'ctrl-w'), description: 'Delete the word before the cursor'},
	{keys: ['Ctrl-U'], action: 'input.clear', bindings: inPanes(['input'], 'ctrl-u'), description: 'Delete from the start of the line to the cursor'},
	{keys: ['Ctrl-C'], action: 'app.quit', bindings: everywhere('ctrl-c'), description: 'Quit (contacts are told goodbye first); same as /quit'},
];

/**
 * The actions `key` is bound to while `pane` has the focus: the pane's own first, then the one
 * bound everywhere. The dispatcher tries them in order; an action may pass (Tab completes only
 * when text is typed, else it moves the focus).
 */
export function actionsFor(key: string, pane: Pane): string[] {
	const bound = (entry: KeymapEntry, inPane: boolean) => entry.bindings.some(binding => binding.key === key && (inPane ? binding.in?.includes(pane) === true : binding.in === undefined));
	return [...keymap.filter(entry => bound(entry, true)), ...keymap.filter(entry => bound(entry, false))].map(entry => entry.action);
}
