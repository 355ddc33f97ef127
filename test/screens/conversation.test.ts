// The conversation window and its layout without Ink: paging, the unread marker, delivery states,
// and that only the visible rows are laid out, whatever the history's size.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {Message} from '../../source/engine/index.js';
import {messageRows, visibleRows, type LayoutOptions} from '../../source/screens/conversation-layout.js';
import {conversationReducer, historyPageSize, initialConversationState, maxWindowMessages, type ConversationState} from '../../source/screens/conversation-reducer.js';

const contact = 'A'.repeat(40);
const layout: LayoutOptions = {width: 40, ownName: 'me', contactName: 'alice', now: Date.UTC(2026, 0, 1, 12)};

function message(position: number, fields: Partial<Message> = {}): Message {
	const at = Date.UTC(2026, 0, 1, 11, 0) + position * 1000;
	return {id: `m${position}`, contact, direction: position % 2 === 0 ? 'out' : 'in', body: `message ${position}`, createdAt: at, receivedAt: at, state: 'delivered', stateChangedAt: at, position, read: true, ...fields};
}

const page = (from: number, to: number) => Array.from({length: to - from + 1}, (_, index) => message(from + index));

test('opening marks where the unread messages start; the marker is drawn above the first one', () => {
	const messages = [...page(1, 5), message(6, {direction: 'in', read: false}), message(7, {direction: 'in', read: false})];
	const state = conversationReducer(initialConversationState, {type: 'opened', contact, messages});
	assert.equal(state.unreadFrom, 6);
	const rows = visibleRows(state, 10, layout).rows.map(row => row.text);
	const marker = rows.findIndex(text => text.includes('new messages'));
	assert.ok(marker > 0 && rows[marker + 1]?.includes('message 6'), rows.join('\n'));
	assert.equal(state.hasOlder, false);
});

test('an own message shows its delivery state and follows message.state events', () => {
	let state = conversationReducer(initialConversationState, {type: 'opened', contact, messages: []});
	state = conversationReducer(state, {type: 'sent', message: message(2, {state: 'queued', body: 'hello'})});
	assert.match(visibleRows(state, 5, layout).rows.at(-1)!.text, /me: hello … queued/);
	for (const [next, shown] of [['sent', '✓ sent'], ['delivered', '✓✓'], ['failed', '✗ failed']] as const) {
		state = conversationReducer(state, {type: 'event', event: {type: 'message.state', id: 'm2', contact, state: next}});
		assert.ok(visibleRows(state, 5, layout).rows.at(-1)!.text.endsWith(shown), next);
	}

	// Another conversation's events and a message received twice change nothing.
	const same = conversationReducer(state, {type: 'event', event: {type: 'message.received', message: {...message(9), contact: 'B'.repeat(40)}}});
	assert.equal(same, state);
	const once = conversationReducer(state, {type: 'event', event: {type: 'message.received', message: message(3)}});
	assert.equal(conversationReducer(once, {type: 'event', event: {type: 'message.received', message: message(3)}}), once);
});

test('long messages wrap under their text; every row fits the width', () => {
	const rows = messageRows(message(1, {body: 'word '.repeat(30) + '漢字'.repeat(20)}), layout);
	assert.ok(rows.length > 3);
	for (const row of rows.slice(1)) {
		assert.ok(row.text.startsWith(' '), row.text);
	}
});

test('scrolling back stops at the top of the window and says when to load an older page', () => {
	let state = conversationReducer(initialConversationState, {type: 'opened', contact, messages: page(101, 100 + historyPageSize)});
	assert.equal(state.hasOlder, true);
	state = conversationReducer(state, {type: 'scroll', rows: 10_000});
	const view = visibleRows(state, 10, layout);
	assert.equal(view.atTop, true);
	assert.ok(view.rows[0]!.text.includes('message 101'));
	state = conversationReducer(state, {type: 'older', contact, messages: page(1, 100)});
	assert.equal(state.messages[0]?.position, 1);
	assert.equal(state.hasOlder, false, 'a short page means the start of the conversation');
	assert.equal(visibleRows({...state, scroll: 0}, 10, layout).atTop, false);
	assert.equal(conversationReducer(state, {type: 'scroll', rows: -20_000}).scroll, 0);
});

test('the window is capped while following new messages', () => {
	let state: ConversationState = conversationReducer(initialConversationState, {type: 'opened', contact, messages: page(1, maxWindowMessages)});
	state = conversationReducer(state, {type: 'event', event: {type: 'message.received', message: message(maxWindowMessages + 1)}});
	assert.equal(state.messages.length, maxWindowMessages);
	assert.equal(state.messages.at(-1)?.position, maxWindowMessages + 1);
	assert.equal(state.hasOlder, true);
});

test('layout touches only the messages it shows, with 100,000 in the window', () => {
	// Every message but the newest 30 throws when read: laying them out would fail the test.
	const messages = Array.from({length: 100_000}, (_, index) => {
		if (index >= 100_000 - 30) {
			return message(index + 1);
		}

		return Object.defineProperty(message(index + 1), 'body', {get() {
			throw new Error(`message ${index + 1} was laid out though it is not visible`);
		}});
	});
	const state: ConversationState = {...initialConversationState, contact, messages};
	const view = visibleRows(state, 20, layout);
	assert.equal(view.rows.length, 20);
	assert.ok(view.rows.at(-1)!.text.includes('message 100000'));
	assert.ok(visibleRows({...state, scroll: 5}, 20, layout).rows.at(-1)!.text.includes('message 99995'));
});
