// Raw terminal input to keys. The TUI reads Ink's raw input events and splits them here itself,
// because Ink 6.8's useInput, fed the same bytes (test/screens/ink-input.test.tsx), gets three
// things wrong: F1 comes as an empty input with no flag; keys that arrive in one read (a burst
// of 1,000, a busy moment) come as one text with the Backspaces left in it as bytes; and a
// bracketed paste's markers come as typed text. Stateful only for bracketed paste, whose start
// and end markers may arrive in different reads.

export type Key = {
	/**
	 * 'text': printable text typed (one or more characters); 'paste': bracketed paste, taken
	 * literally, line breaks included; else a named key: 'enter', 'tab', 'shift-tab', 'up',
	 * 'ctrl-n', 'alt-1', 'f1', 'pageup', ...
	 */
	name: string;
	/** The text of a 'text' or 'paste' key. */
	text?: string;
};

const pasteStart = '\u001B[200~';
const pasteEnd = '\u001B[201~';

// CSI and SS3 final bytes and "N~" codes xterm, tmux and the Linux console send.
const csiFinal: Record<string, string> = {A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end', Z: 'shift-tab', P: 'f1'};
const tildeCodes: Record<string, string> = {1: 'home', 2: 'insert', 3: 'delete', 4: 'end', 5: 'pageup', 6: 'pagedown', 7: 'home', 8: 'end', 11: 'f1'};

// eslint-disable-next-line no-control-regex -- control characters are what this splits on
const printableRun = /^[^\u0000-\u001F\u007F-\u009F]+/;
// eslint-disable-next-line no-control-regex -- a CSI sequence: parameters, intermediates, final byte
const csiSequence = /^\u001B\[([\u0030-\u003F]*)[\u0020-\u002F]*([\u0040-\u007E])/;

export class KeyParser {
	#paste: string | undefined;

	/** Splits one chunk of raw input into keys, in order. */
	push(chunk: string): Key[] {
		const keys: Key[] = [];
		let rest = chunk;
		while (rest.length > 0) {
			if (this.#paste !== undefined) {
				const end = rest.indexOf(pasteEnd);
				if (end === -1) {
					this.#paste += rest;
					break;
				}

				keys.push({name: 'paste', text: this.#paste + rest.slice(0, end)});
				this.#paste = undefined;
				rest = rest.slice(end + pasteEnd.length);
				continue;
			}

			if (rest.startsWith(pasteStart)) {
				this.#paste = '';
				rest = rest.slice(pasteStart.length);
				continue;
			}

			const [key, length] = parseOne(rest);
			if (key) {
				const last = keys.at(-1);
				if (key.name === 'text' && last?.name === 'text') {
					last.text = (last.text ?? '') + (key.text ?? '');
				} else {
					keys.push(key);
				}
			}

			rest = rest.slice(length);
		}

		return keys;
	}
}

function parseOne(input: string): [Key | undefined, number] {
	const printable = printableRun.exec(input);
	if (printable) {
		return [{name: 'text', text: printable[0]}, printable[0].length];
	}

	const code = input.codePointAt(0) ?? 0;
	if (code === 0x1B) {
		return parseEscape(input);
	}

	if (code === 0x0D || code === 0x0A) {
		// \r\n from some terminals is one Enter.
		return [{name: 'enter'}, input.startsWith('\r\n') ? 2 : 1];
	}

	if (code === 0x09) {
		return [{name: 'tab'}, 1];
	}

	if (code === 0x7F || code === 0x08) {
		return [{name: 'backspace'}, 1];
	}

	if (code >= 0x01 && code <= 0x1A) {
		return [{name: `ctrl-${String.fromCodePoint(code + 0x60)}`}, 1];
	}

	// NUL, other C0 and C1 controls: nothing a user means as a key here.
	return [undefined, 1];
}

function parseEscape(input: string): [Key | undefined, number] {
	if (input.length === 1) {
		return [{name: 'escape'}, 1];
	}

	const csi = csiSequence.exec(input);
	if (csi) {
		const [whole, parameters = '', final = ''] = csi;
		const [first = '', modifier] = parameters.split(';');
		const base = final === '~' ? tildeCodes[first] : csiFinal[final];
		if (!base) {
			return [undefined, whole.length];
		}

		// Modifier 2 is Shift, 3 Alt, 5 Ctrl (xterm's "1;5A" for Ctrl-Up).
		const prefix = modifier === '5' ? 'ctrl-' : (modifier === '3' ? 'alt-' : (modifier === '2' && base !== 'shift-tab' ? 'shift-' : ''));
		return [{name: prefix + base}, whole.length];
	}

	const second = input[1] ?? '';
	if (second === 'O' && input.length >= 3) {
		// SS3: application cursor keys and F1 to F4.
		const name = csiFinal[input[2] ?? ''];
		return [name ? {name} : undefined, 3];
	}

	if (second === '\u001B') {
		// ESC ESC: Escape pressed twice, or Alt-Escape; one Escape either way.
		return [{name: 'escape'}, 1];
	}

	if (second === '\r') {
		return [{name: 'alt-enter'}, 2];
	}

	if (/^[\u0020-\u007E]$/.test(second)) {
		return [{name: `alt-${second.toLowerCase()}`}, 2];
	}

	return [{name: 'escape'}, 1];
}
