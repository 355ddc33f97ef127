// The input line: a window of the text around the cursor, so a long paste scrolls sideways
// instead of wrapping over the panes. Line breaks from a paste show as ⏎, other control
// characters as their visible symbols (ESC as ␛): a pasted escape code is shown, never run by the
// terminal. The sent copy strips them.
import {Text} from 'ink';
import type {InputState} from './input-reducer.js';
import {graphemeWidth, textWidth} from './text-width.js';

/** C0 controls as the Unicode control pictures (U+2400…), DEL as ␡, C1 controls as ⍰. */
function visible(char: string): string {
	if (char === '\n') {
		return '⏎';
	}

	// eslint-disable-next-line no-control-regex -- control characters are what this replaces
	return char.replaceAll(/[\u0000-\u001F\u007F-\u009F]/g, control => {
		const code = control.codePointAt(0)!;
		return code < 0x20 ? String.fromCodePoint(0x24_00 + code) : (code === 0x7F ? '␡' : '⍰');
	});
}

export type InputView = {before: string; atCursor: string; after: string};

/** Which part of the line fits in `width` cells with the cursor on screen. */
export function inputView(state: InputState, width: number): InputView {
	const shown = state.chars.map(char => visible(char));
	const atCursor = shown[state.cursor] ?? ' ';
	let room = Math.max(1, width) - graphemeWidth(atCursor);
	// Walk back from the cursor until the window is full: the cursor stays near the right edge.
	let start = state.cursor;
	while (start > 0 && graphemeWidth(shown[start - 1]!) <= room) {
		start -= 1;
		room -= graphemeWidth(shown[start]!);
	}

	let afterText = '';
	for (const char of shown.slice(state.cursor + 1)) {
		const cells = graphemeWidth(char);
		if (cells > room) {
			break;
		}

		afterText += char;
		room -= cells;
	}

	const before = shown.slice(start, state.cursor).join('');
	return {before, atCursor, after: afterText};
}

export function InputLine({state, width, focused, prompt}: {state: InputState; width: number; focused: boolean; prompt: string}) {
	const view = inputView(state, Math.max(1, width - textWidth(prompt)));
	return (
		<Text wrap="truncate">
			<Text bold={focused}>{prompt}</Text>
			{view.before}
			<Text inverse={focused}>{view.atCursor}</Text>
			{view.after}
		</Text>
	);
}
