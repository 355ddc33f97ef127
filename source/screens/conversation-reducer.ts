// The conversation pane's state: a window of the open conversation (never the whole history:
// the cost of a keystroke or an arriving message must not grow with it), how far the user has
// scrolled back, and where the unread messages start. Older pages are loaded from
// engine.history() as PageUp reaches the top of the window. Pure; tested without Ink.
import type {EngineEvent, Message} from '../engine/index.js';

/** Messages asked for per page of history. */
export const historyPageSize = 200;
/** The window never holds more than this; the oldest are dropped (and re-read on PageUp). */
export const maxWindowMessages = 1000;

export type ConversationState = {
	contact: string | undefined;
	/** Oldest first. */
	messages: Message[];
	/** The store has messages before the window. */
	hasOlder: boolean;
	/** Rows scrolled back from the bottom of `bottom` (or of the newest message); 0 without `bottom` follows new messages. */
	scroll: number;
	/**
	 * While scrolled back, the message the scroll counts from: the newest when the user started
	 * scrolling. Messages arriving later come below it, so they do not move what the user reads.
	 * Negative scroll reaches into them (PageDown).
	 */
	bottom: string | undefined;
	/** Position of the first message that was unread when the conversation was opened. */
	unreadFrom: number | undefined;
};

export type ConversationAction =
	| {type: 'opened'; contact: string | undefined; messages: Message[]}
	| {type: 'older'; contact: string; messages: Message[]}
	| {type: 'sent'; message: Message}
	| {type: 'event'; event: EngineEvent}
	| {type: 'scroll'; rows: number}
	/** End: back to the newest, following new messages again. */
	| {type: 'follow'};

export const initialConversationState: ConversationState = {contact: undefined, messages: [], hasOlder: false, scroll: 0, bottom: undefined, unreadFrom: undefined};

function append(state: ConversationState, message: Message): ConversationState {
	if (message.contact !== state.contact || state.messages.some(known => known.id === message.id)) {
		return state;
	}

	let messages = [...state.messages, message];
	let {hasOlder} = state;
	// Only while following the newest: dropping rows above the view would move what the user reads.
	if (messages.length > maxWindowMessages && state.bottom === undefined) {
		messages = messages.slice(-maxWindowMessages);
		hasOlder = true;
	}

	return {...state, messages, hasOlder};
}

export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
	switch (action.type) {
		case 'opened': {
			const firstUnread = action.messages.find(message => message.direction === 'in' && !message.read);
			return {
				contact: action.contact,
				messages: action.messages,
				hasOlder: action.messages.length >= historyPageSize,
				scroll: 0,
				bottom: undefined,
				unreadFrom: firstUnread?.position,
			};
		}

		case 'older': {
			if (action.contact !== state.contact) {
				return state;
			}

			const known = new Set(state.messages.map(message => message.id));
			const older = action.messages.filter(message => !known.has(message.id));
			return {...state, messages: [...older, ...state.messages], hasOlder: older.length > 0 && action.messages.length >= historyPageSize};
		}

		case 'sent': {
			return {...append(state, action.message), scroll: 0, bottom: undefined};
		}

		case 'event': {
			const {event} = action;
			if (event.type === 'message.received') {
				return append(state, event.message);
			}

			if (event.type === 'message.state' && event.contact === state.contact) {
				// Recent messages change state; search from the end.
				for (let index = state.messages.length - 1; index >= 0; index--) {
					const message = state.messages[index];
					if (message?.id === event.id) {
						const messages = [...state.messages];
						messages[index] = {...message, state: event.state};
						return {...state, messages};
					}
				}
			}

			return state;
		}

		case 'scroll': {
			const scroll = state.scroll + action.rows;
			const newest = state.messages.at(-1)?.id;
			if (state.bottom === undefined || state.bottom === newest) {
				// Nothing arrived below the pin: at or past the newest is following again.
				return scroll <= 0 ? {...state, scroll: 0, bottom: undefined} : {...state, scroll, bottom: newest};
			}

			return {...state, scroll};
		}

		case 'follow': {
			return {...state, scroll: 0, bottom: undefined};
		}
	}
}
