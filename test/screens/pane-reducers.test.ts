// The contacts, status and ui reducers without Ink.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {EngineStatus} from '../../source/engine/index.js';
import {contactsReducer, initialContactsState, selectedContact, type ContactsAction} from '../../source/screens/contacts-reducer.js';
import {phaseOf, statusReducer} from '../../source/screens/status-reducer.js';
import {initialUiState, uiReducer} from '../../source/screens/ui-reducer.js';
import {contactView, fakeFingerprint} from '../helpers/fake-engine.js';

const [a, b, c] = [fakeFingerprint(1), fakeFingerprint(2), fakeFingerprint(3)];
const loaded = contactsReducer(initialContactsState, {type: 'loaded', contacts: [contactView('carol', c), contactView('Alice', a), contactView('bob', b)]});
const run = (actions: ContactsAction[], state = loaded) => actions.reduce(contactsReducer, state);

test('contacts are sorted by name, the first is opened, names and status are cleaned', () => {
	assert.deepEqual(loaded.contacts.map(contact => contact.name), ['Alice', 'bob', 'carol']);
	assert.equal(loaded.selected, a);
	const dirty = contactsReducer(initialContactsState, {type: 'loaded', contacts: [contactView('ev\u001B[31mil\u001B]0;title\u0007', a, {status: 'x\u009B2Jy'})]});
	assert.equal(dirty.contacts[0]?.name, 'evil');
	assert.equal(dirty.contacts[0]?.status, 'xy');
});

test('moving between contacts wraps; jump; next unread', () => {
	assert.equal(run([{type: 'select-previous'}]).selected, c);
	assert.equal(run([{type: 'select-next'}, {type: 'select-next'}, {type: 'select-next'}]).selected, a);
	assert.equal(run([{type: 'jump', index: 1}]).selected, b);
	assert.equal(run([{type: 'jump', index: 8}]).selected, a, 'no ninth contact: selection stays');
	const withUnread = run([{type: 'event', event: {type: 'message.received', message: {id: 'x', contact: c, direction: 'in', body: 'hi', createdAt: 0, receivedAt: 0, state: 'delivered', stateChangedAt: 0, position: 1, read: false}}}]);
	assert.equal(withUnread.contacts[2]?.unread, 1);
	assert.equal(run([{type: 'next-unread'}], withUnread).selected, c);
	assert.equal(run([{type: 'next-unread'}]).selected, a, 'nothing unread: selection stays');
});

test('a message for the open contact does not count as unread; presence and typing events apply', () => {
	const state = run([
		{type: 'event', event: {type: 'message.received', message: {id: 'x', contact: a, direction: 'in', body: 'hi', createdAt: 0, receivedAt: 0, state: 'delivered', stateChangedAt: 0, position: 1, read: false}}},
		{type: 'event', event: {type: 'contact.online', contact: b}},
		{type: 'event', event: {type: 'contact.presence', contact: c, state: 'busy', status: 'in a \u001B[5mmeeting'}},
		{type: 'event', event: {type: 'contact.typing', contact: c, typing: true}},
	]);
	assert.equal(selectedContact(state)?.unread, 0);
	assert.equal(state.contacts[1]?.presence, 'online');
	assert.deepEqual([state.contacts[2]?.presence, state.contacts[2]?.status, state.contacts[2]?.typing], ['busy', 'in a meeting', true]);
	const offline = run([{type: 'event', event: {type: 'contact.offline', contact: c, reason: 'bye'}}], state);
	assert.deepEqual([offline.contacts[2]?.presence, offline.contacts[2]?.typing], ['offline', false]);
});

test('a reload keeps the open contact, or opens the first when it was removed', () => {
	const onBob = run([{type: 'jump', index: 1}]);
	assert.equal(contactsReducer(onBob, {type: 'loaded', contacts: [contactView('bob', b), contactView('carol', c)]}).selected, b);
	assert.equal(contactsReducer(onBob, {type: 'loaded', contacts: [contactView('carol', c)]}).selected, c);
	assert.equal(contactsReducer(onBob, {type: 'loaded', contacts: []}).selected, undefined);
});

const status: EngineStatus = {lifecycle: 'connecting-tor', tor: {progress: 10, summary: 'Connecting', connected: true}, onionUp: false, onionSince: undefined, dhtNodes: 0, lastPublishedAt: undefined, presence: {state: 'online', status: ''}};

test('status: events update the bar; the phase follows the lifecycle', () => {
	let state = statusReducer(status, {type: 'event', event: {type: 'tor.bootstrap', progress: 75, summary: 'Loading relays'}, now: 1});
	assert.equal(phaseOf(state), 'starting');
	state = [
		{type: 'lifecycle', state: 'ready'} as const,
		{type: 'registry.nodes', nodes: 12} as const,
		{type: 'registry.published', contact: a, ok: true} as const,
		{type: 'onion.changed'} as const,
	].reduce((current, event) => statusReducer(current, {type: 'event', event, now: 5000}), state);
	assert.deepEqual([state.tor.progress, state.dhtNodes, state.lastPublishedAt, state.onionUp, phaseOf(state)], [75, 12, 5000, true, 'ready']);
	assert.equal(phaseOf({...state, lifecycle: 'publishing'}), 'publishing');
	assert.equal(phaseOf({...state, tor: {...state.tor, connected: false}}), 'tor-lost');
	assert.equal(phaseOf({...state, lifecycle: 'stopping'}), 'stopping');
	assert.equal(statusReducer(state, {type: 'event', event: {type: 'registry.published', contact: a, ok: false}, now: 9000}).lastPublishedAt, 5000);
});

test('ui: Tab cycles the panes both ways; help toggles; overlays reset their scroll', () => {
	const next = uiReducer(initialUiState, {type: 'focus-next'});
	assert.equal(next.focus, 'contacts');
	assert.equal(uiReducer(next, {type: 'focus-previous'}).focus, 'input');
	assert.equal(uiReducer(initialUiState, {type: 'focus-previous'}).focus, 'conversation');
	const help = uiReducer(uiReducer(initialUiState, {type: 'toggle-help'}), {type: 'overlay-scroll', lines: 5});
	assert.deepEqual([help.overlay?.kind, help.overlayScroll], ['help', 5]);
	assert.deepEqual([uiReducer(help, {type: 'toggle-help'}).overlay, uiReducer(help, {type: 'toggle-help'}).overlayScroll], [undefined, 0]);
	assert.equal(uiReducer(help, {type: 'overlay-scroll', lines: -50}).overlayScroll, 0);
});

test('status: an event that changes nothing returns the same state (no frame is drawn for it)', () => {
	const ready = {...status, lifecycle: 'ready' as const, dhtNodes: 12};
	assert.equal(statusReducer(ready, {type: 'event', event: {type: 'registry.nodes', nodes: 12}, now: 1}), ready);
	assert.equal(statusReducer(ready, {type: 'event', event: {type: 'lifecycle', state: 'ready'}, now: 1}), ready);
	assert.equal(statusReducer(ready, {type: 'event', event: {type: 'tor.bootstrap', progress: 10, summary: 'Connecting'}, now: 1}), ready);
	assert.equal(statusReducer(ready, {type: 'event', event: {type: 'contact.typing', contact: a, typing: true}, now: 1}), ready);
	assert.notEqual(statusReducer(ready, {type: 'event', event: {type: 'registry.nodes', nodes: 13}, now: 1}), ready);
});
