// The input line: text as graphemes (so the cursor steps over a whole é or 漢 or emoji), a
// cursor, and the history of sent lines (Up/Down, like a shell: the line being typed is kept as
// a draft while walking the history). Pure; tested without Ink.
import {graphemes} from './text-width.js';

/** Long pastes are kept, but a runaway paste (a whole file) is cut here: messages have a size limit. */
export const maxInputLength = 16_384;
const maxHistory = 200;

export type InputState = {
	chars: string[];
	cursor: number;
	history: string[];
	/** Index into history while walking it; undefined: editing the draft. */
	historyIndex: number | undefined;
	draft: string[];
};

export type InputAction =
	| {type: 'insert'; text: string}
	| {type: 'backspace'}
	| {type: 'delete'}
	| {type: 'left'}
	| {type: 'right'}
	| {type: 'home'}
	| {type: 'end'}
	| {type: 'delete-word'}
	| {type: 'clear-to-start'}
	| {type: 'clear'}
	| {type: 'history-previous'}
	| {type: 'history-next'}
	/** Replaces the line (completion), cursor at the end. */
	| {type: 'set'; text: string}
	/** The line was used: into the history (unless blank or a repeat), and cleared. */
	| {type: 'submitted'};

export const initialInputState: InputState = {chars: [], cursor: 0, history: [], historyIndex: undefined, draft: []};

export function inputText(state: InputState): string {
	return state.chars.join('');
}

function edit(state: InputState, chars: string[], cursor: number): InputState {
	return {...state, chars, cursor, historyIndex: undefined};
}

export function inputReducer(state: InputState, action: InputAction): InputState {
	const {chars, cursor} = state;
	switch (action.type) {
		case 'insert': {
			// Tabs would break the line's width; a paste's line breaks stay (a message may have several lines).
			const room = maxInputLength - chars.length;
			const added = graphemes(action.text.replaceAll('\t', '    ').replaceAll('\r\n', '\n').replaceAll('\r', '\n')).slice(0, Math.max(0, room));
			if (added.length === 0) {
				return state;
			}

			return edit(state, [...chars.slice(0, cursor), ...added, ...chars.slice(cursor)], cursor + added.length);
		}

		case 'backspace': {
			return cursor === 0 ? state : edit(state, [...chars.slice(0, cursor - 1), ...chars.slice(cursor)], cursor - 1);
		}

		case 'delete': {
			return cursor >= chars.length ? state : edit(state, [...chars.slice(0, cursor), ...chars.slice(cursor + 1)], cursor);
		}

		case 'left': {
			return {...state, cursor: Math.max(0, cursor - 1)};
		}

		case 'right': {
			return {...state, cursor: Math.min(chars.length, cursor + 1)};
		}

		case 'home': {
			return {...state, cursor: 0};
		}

		case 'end': {
			return {...state, cursor: chars.length};
		}

		case 'delete-word': {
			let start = cursor;
			while (start > 0 && chars[start - 1]?.trim() === '') {
				start -= 1;
			}

			while (start > 0 && chars[start - 1]?.trim() !== '') {
				start -= 1;
			}

			return edit(state, [...chars.slice(0, start), ...chars.slice(cursor)], start);
		}

		case 'clear-to-start': {
			return edit(state, chars.slice(cursor), 0);
		}

		case 'clear': {
			return edit(state, [], 0);
		}

		case 'set': {
			const next = graphemes(action.text).slice(0, maxInputLength);
			return edit(state, next, next.length);
		}

		case 'history-previous': {
			if (state.history.length === 0) {
				return state;
			}

			const index = state.historyIndex === undefined ? state.history.length - 1 : Math.max(0, state.historyIndex - 1);
			const line = graphemes(state.history[index] ?? '');
			return {...state, chars: line, cursor: line.length, historyIndex: index, draft: state.historyIndex === undefined ? chars : state.draft};
		}

		case 'history-next': {
			if (state.historyIndex === undefined) {
				return state;
			}

			if (state.historyIndex >= state.history.length - 1) {
				return {...state, chars: state.draft, cursor: state.draft.length, historyIndex: undefined, draft: []};
			}

			const index = state.historyIndex + 1;
			const line = graphemes(state.history[index] ?? '');
			return {...state, chars: line, cursor: line.length, historyIndex: index};
		}

		case 'submitted': {
			const line = chars.join('');
			const keep = line.trim() !== '' && state.history.at(-1) !== line;
			const history = keep ? [...state.history, line].slice(-maxHistory) : state.history;
			return {chars: [], cursor: 0, history, historyIndex: undefined, draft: []};
		}
	}
}
