// From the conversation window to the rows on screen, newest at the bottom. Only the rows that
// can be seen are laid out: the walk starts at the newest message and stops once the view (plus
// how far it is scrolled back) is full, so its cost depends on the screen, not the history.
import type {Message, MessageState} from '../engine/index.js';
import {cleanText} from './clean.js';
import type {ConversationState} from './conversation-reducer.js';
import {textWidth, truncate, wrap} from './text-width.js';

export type RowKind = 'own' | 'peer' | 'marker';
export type Row = {key: string; kind: RowKind; text: string};

// Symbols and words both, so the state reads without colour.
export const deliveryMarks: Record<MessageState, string> = {queued: '… queued', sent: '✓ sent', delivered: '✓✓', failed: '✗ failed'};

export type LayoutOptions = {width: number; ownName: string; contactName: string; now: number};

function two(value: number): string {
	return String(value).padStart(2, '0');
}

export function formatTime(ms: number, now: number): string {
	const date = new Date(ms);
	const today = new Date(now);
	const time = `${two(date.getHours())}:${two(date.getMinutes())}`;
	const sameDay = date.getFullYear() === today.getFullYear() && date.getMonth() === today.getMonth() && date.getDate() === today.getDate();
	return sameDay ? time : `${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`;
}

/** The rows of one message: "12:03 name: text", continuation rows indented under the text. */
export function messageRows(message: Message, options: LayoutOptions): Row[] {
	const own = message.direction === 'out';
	const time = formatTime(own ? message.createdAt : message.receivedAt, options.now);
	const sender = truncate(own ? options.ownName : options.contactName, 16);
	const prefix = `${time} ${sender}: `;
	const suffix = own ? ` ${deliveryMarks[message.state]}` : '';
	const indent = Math.min(textWidth(prefix), Math.floor(options.width / 3));
	const bodyWidth = Math.max(8, options.width - indent);
	const body = cleanText(message.body) + suffix;
	const first = wrap(body, Math.max(8, options.width - textWidth(prefix)));
	const [head = '', ...restText] = first;
	const rest = wrap(restText.join(' '), bodyWidth);
	const kind: RowKind = own ? 'own' : 'peer';
	return [
		{key: `${message.id}:0`, kind, text: truncate(prefix + head, options.width)},
		...(restText.length === 0 ? [] : rest).map((text, index) => ({key: `${message.id}:${index + 1}`, kind, text: truncate(' '.repeat(indent) + text, options.width)})),
	];
}

export type VisibleRows = {
	rows: Row[];
	/** The view shows the oldest row of the window: time to load an older page, if any. */
	atTop: boolean;
	/** Rows the scroll asks for beyond the oldest (positive) or the newest (negative) row of the window. */
	overshoot: number;
	/** The scroll reaches the newest row: time to follow new messages again. */
	atBottom: boolean;
};

// Rows per message, for the options they were laid out with: paging far back walks every message
// below the view on each key, and wrapping them all again each time made paging slow down as it went.
const laidOut = new WeakMap<Message, {options: string; rows: Row[]}>();

function cachedRows(message: Message, options: LayoutOptions): Row[] {
	const key = `${options.width}\u0000${options.ownName}\u0000${options.contactName}\u0000${new Date(options.now).toDateString()}`;
	const known = laidOut.get(message);
	if (known?.options === key) {
		return known.rows;
	}

	const rows = messageRows(message, options);
	laidOut.set(message, {options: key, rows});
	return rows;
}

function rowsWithMarker(state: ConversationState, message: Message, options: LayoutOptions): Row[] {
	const rows = cachedRows(message, options);
	if (message.position !== state.unreadFrom) {
		return rows;
	}

	return [{key: 'unread-marker', kind: 'marker', text: `── new messages ${'─'.repeat(Math.max(0, options.width - 16))}`.slice(0, options.width)}, ...rows];
}

export function visibleRows(state: ConversationState, height: number, options: LayoutOptions): VisibleRows {
	// The scroll counts from the bottom of the pinned message; what arrived after it lies below.
	let below = 0;
	const pin = state.bottom === undefined ? -1 : state.messages.findLastIndex(message => message.id === state.bottom);
	for (let index = pin < 0 ? state.messages.length : pin + 1; index < state.messages.length; index++) {
		below += rowsWithMarker(state, state.messages[index]!, options).length;
	}

	const wanted = state.scroll + below;
	const collected: Row[][] = [];
	let count = 0;
	let index = state.messages.length - 1;
	for (; index >= 0 && count < wanted + height; index--) {
		const rows = rowsWithMarker(state, state.messages[index]!, options);
		collected.push(rows);
		count += rows.length;
	}

	const all = collected.reverse().flat();
	const scroll = Math.max(0, Math.min(wanted, all.length - height));
	const end = all.length - scroll;
	const start = Math.max(0, end - height);
	return {rows: all.slice(start, end), atTop: index < 0 && start === 0, overshoot: wanted - scroll, atBottom: wanted <= 0};
}
