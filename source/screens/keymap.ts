// The TUI's keys as data: the input dispatcher, the help overlay and the man
// page's KEYS section (scripts/man.ts) all read this one table, so they cannot disagree.
//
// Keys are written as users see them ('Ctrl-N', 'Alt-1..9'); `bindings` holds the parsed key
// names (see key-parser.ts) each entry answers to. Where a key means something else in the
// focused pane (Up/Down in the input line walk the history), the pane handles it first and the
// description says so.

export type KeymapEntry = {
	/** As shown to users, e.g. 'Tab', 'Ctrl-N', 'Alt-1..9'. */
	keys: string[];
	/** A stable id, e.g. 'contact.next'. */
	action: string;
	description: string;
};

export const keymap: readonly KeymapEntry[] = [
	{keys: ['Tab'], action: 'focus.next', description: 'Next pane (contacts, conversation, input); in the input line with text typed, complete a command or contact name'},
	{keys: ['Shift-Tab'], action: 'focus.previous', description: 'Previous pane'},
	{keys: ['Ctrl-N', 'Down'], action: 'contact.next', description: 'Next contact (Down: in the contacts pane; in the input line it walks the history)'},
	{keys: ['Ctrl-P', 'Up'], action: 'contact.previous', description: 'Previous contact (Up: in the contacts pane; in the input line it walks the history)'},
	{keys: ['Alt-1..9'], action: 'contact.jump', description: 'Open the first to ninth contact'},
	{keys: ['Alt-A', 'Ctrl-X'], action: 'contact.next-unread', description: 'Open the next contact with unread messages'},
	{keys: ['PageUp'], action: 'scroll.page-up', description: 'Scroll the conversation back one page (older messages load as needed)'},
	{keys: ['PageDown'], action: 'scroll.page-down', description: 'Scroll the conversation forward one page'},
	{keys: ['End', 'G'], action: 'scroll.newest', description: 'Jump to the newest message (End: in the contacts or conversation pane; G: in the conversation pane)'},
	{keys: ['Ctrl-L'], action: 'screen.redraw', description: 'Clear and redraw the screen'},
	{keys: ['F1', '?'], action: 'help.toggle', description: 'Show or hide this key table and the commands (?: in the contacts or conversation pane; the input line takes ? as text)'},
	{keys: ['Escape'], action: 'cancel', description: 'Close the help or a question; in the input line, clear it'},
	{keys: ['Enter'], action: 'input.submit', description: 'Send the line to the open contact, or run it when it starts with /; in search results, open the chosen one (Up/Down choose)'},
	{keys: ['Left', 'Right'], action: 'input.move', description: 'Move the cursor one character'},
	{keys: ['Home', 'Ctrl-A'], action: 'input.home', description: 'Cursor to the start of the line'},
	{keys: ['End', 'Ctrl-E'], action: 'input.end', description: 'Cursor to the end of the line'},
	{keys: ['Backspace', 'Delete'], action: 'input.delete', description: 'Delete the character before or under the cursor'},
	{keys: ['Ctrl-W'], action: 'input.delete-word', description: 'Delete the word before the cursor'},
	{keys: ['Ctrl-U'], action: 'input.clear', description: 'Delete from the start of the line to the cursor'},
	{keys: ['Ctrl-C'], action: 'app.quit', description: 'Quit (contacts are told goodbye first); same as /quit'},
];

/** Parsed key names (key-parser.ts) for each global action; input-line editing is in input-keys.ts. */
export const globalBindings: Readonly<Record<string, string>> = {
	'tab': 'focus.next',
	'shift-tab': 'focus.previous',
	'ctrl-n': 'contact.next',
	'down': 'contact.next',
	'ctrl-p': 'contact.previous',
	'up': 'contact.previous',
	'alt-a': 'contact.next-unread',
	'ctrl-x': 'contact.next-unread',
	'pageup': 'scroll.page-up',
	'pagedown': 'scroll.page-down',
	'ctrl-l': 'screen.redraw',
	'f1': 'help.toggle',
	'escape': 'cancel',
	'ctrl-c': 'app.quit',
	...Object.fromEntries(Array.from({length: 9}, (_, index) => [`alt-${index + 1}`, 'contact.jump'])),
};
