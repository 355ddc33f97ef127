// Which pane has the keys, what overlay is open (help, a question, search results, a text
// panel) and the one-line notice under the conversation. Pure.
import type {Certificate, Message} from '../engine/index.js';

export type Pane = 'contacts' | 'conversation' | 'input';
export const panes: readonly Pane[] = ['contacts', 'conversation', 'input'];

/** A question answered with y or n. */
export type Question =
	/** warning: lines saying the key has a contact's name or user ID, but is not their key. */
	| {kind: 'add'; certificate: Certificate; name: string; warning?: string[]}
	| {kind: 'remove'; fingerprint: string; name: string};

export type Overlay =
	| {kind: 'help'}
	| {kind: 'question'; question: Question}
	/** capped: more messages match than the results hold. */
	| {kind: 'search'; query: string; results: Message[]; capped: boolean}
	| {kind: 'text'; title: string; lines: string[]};

export type Notice = {kind: 'info' | 'error'; text: string};

export type UiState = {
	focus: Pane;
	overlay: Overlay | undefined;
	notice: Notice | undefined;
	/** Lines the open overlay is scrolled down. */
	overlayScroll: number;
	/** The chosen line of a list overlay (search results): Enter opens it. */
	overlaySelected: number;
};

export type UiAction =
	| {type: 'focus-next'}
	| {type: 'focus-previous'}
	| {type: 'focus'; pane: Pane}
	| {type: 'overlay'; overlay: Overlay | undefined}
	| {type: 'toggle-help'}
	| {type: 'notice'; notice: Notice | undefined}
	| {type: 'overlay-scroll'; lines: number}
	| {type: 'overlay-select'; lines: number; count: number};

export const initialUiState: UiState = {focus: 'input', overlay: undefined, notice: undefined, overlayScroll: 0, overlaySelected: 0};

export function uiReducer(state: UiState, action: UiAction): UiState {
	switch (action.type) {
		case 'focus-next':
		case 'focus-previous': {
			const step = action.type === 'focus-next' ? 1 : panes.length - 1;
			return {...state, focus: panes[(panes.indexOf(state.focus) + step) % panes.length]!};
		}

		case 'focus': {
			return {...state, focus: action.pane};
		}

		case 'overlay': {
			return {...state, overlay: action.overlay, overlayScroll: 0, overlaySelected: 0};
		}

		case 'toggle-help': {
			return {...state, overlay: state.overlay?.kind === 'help' ? undefined : {kind: 'help'}, overlayScroll: 0, overlaySelected: 0};
		}

		case 'notice': {
			return {...state, notice: action.notice};
		}

		case 'overlay-scroll': {
			// The overlay clamps the bottom; it knows its height.
			return {...state, overlayScroll: Math.max(0, state.overlayScroll + action.lines)};
		}

		case 'overlay-select': {
			return {...state, overlaySelected: Math.max(0, Math.min(action.count - 1, state.overlaySelected + action.lines))};
		}
	}
}
