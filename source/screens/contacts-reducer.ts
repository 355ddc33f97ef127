// The contacts pane: the list in a stable order (by name), which one is selected (the open
// conversation), presence, status, unread counts and typing, kept current from engine events.
// Pure; tested without Ink.
import type {ContactView, EngineEvent} from '../engine/index.js';
import {cleanLine} from './clean.js';

export type ContactsState = {
	contacts: ContactView[];
	/** Fingerprint of the open contact. */
	selected: string | undefined;
};

export type ContactsAction =
	| {type: 'loaded'; contacts: ContactView[]}
	| {type: 'event'; event: EngineEvent}
	| {type: 'select'; fingerprint: string}
	| {type: 'select-next'}
	| {type: 'select-previous'}
	/** Alt-1..9: 0-based index in the shown order. */
	| {type: 'jump'; index: number}
	| {type: 'next-unread'}
	| {type: 'read'; fingerprint: string};

export const initialContactsState: ContactsState = {contacts: [], selected: undefined};

function cleanContact(contact: ContactView): ContactView {
	return {...contact, name: cleanLine(contact.name), status: cleanLine(contact.status), userIds: contact.userIds.map(cleanLine)};
}

function byName(a: ContactView, b: ContactView): number {
	return a.name.localeCompare(b.name, undefined, {sensitivity: 'base'}) || a.fingerprint.localeCompare(b.fingerprint);
}

function update(state: ContactsState, fingerprint: string, change: (contact: ContactView) => Partial<ContactView>): ContactsState {
	const index = state.contacts.findIndex(contact => contact.fingerprint === fingerprint);
	const contact = state.contacts[index];
	if (!contact) {
		return state;
	}

	const contacts = [...state.contacts];
	contacts[index] = {...contact, ...change(contact)};
	return {...state, contacts};
}

function selectAt(state: ContactsState, index: number): ContactsState {
	const contact = state.contacts[index];
	return contact ? {...state, selected: contact.fingerprint} : state;
}

function selectedIndex(state: ContactsState): number {
	return state.contacts.findIndex(contact => contact.fingerprint === state.selected);
}

function applyEvent(state: ContactsState, event: EngineEvent): ContactsState {
	switch (event.type) {
		case 'contact.online': {
			return update(state, event.contact, contact => ({presence: contact.presence === 'offline' ? 'online' : contact.presence}));
		}

		case 'contact.offline': {
			return update(state, event.contact, () => ({presence: 'offline', typing: false}));
		}

		case 'contact.presence': {
			return update(state, event.contact, () => ({presence: event.state, status: cleanLine(event.status)}));
		}

		case 'contact.typing': {
			return update(state, event.contact, () => ({typing: event.typing}));
		}

		case 'message.received': {
			// The open conversation is read as it arrives; the others count up.
			return event.message.contact === state.selected
				? update(state, event.message.contact, () => ({typing: false}))
				: update(state, event.message.contact, contact => ({unread: contact.unread + 1, typing: false}));
		}

		default: {
			return state;
		}
	}
}

export function contactsReducer(state: ContactsState, action: ContactsAction): ContactsState {
	switch (action.type) {
		case 'loaded': {
			const contacts = action.contacts.map(cleanContact).sort(byName);
			const stillThere = contacts.some(contact => contact.fingerprint === state.selected);
			return {contacts, selected: stillThere ? state.selected : contacts[0]?.fingerprint};
		}

		case 'event': {
			return applyEvent(state, action.event);
		}

		case 'select': {
			return state.contacts.some(contact => contact.fingerprint === action.fingerprint) ? {...state, selected: action.fingerprint} : state;
		}

		case 'select-next': {
			return state.contacts.length === 0 ? state : selectAt(state, (selectedIndex(state) + 1) % state.contacts.length);
		}

		case 'select-previous': {
			const count = state.contacts.length;
			return count === 0 ? state : selectAt(state, (Math.max(0, selectedIndex(state)) - 1 + count) % count);
		}

		case 'jump': {
			return selectAt(state, action.index);
		}

		case 'next-unread': {
			const start = selectedIndex(state);
			const count = state.contacts.length;
			for (let step = 1; step <= count; step++) {
				const contact = state.contacts[(start + step + count) % count];
				if (contact && contact.unread > 0) {
					return {...state, selected: contact.fingerprint};
				}
			}

			return state;
		}

		case 'read': {
			return update(state, action.fingerprint, () => ({unread: 0}));
		}
	}
}

export function selectedContact(state: ContactsState): ContactView | undefined {
	return state.contacts.find(contact => contact.fingerprint === state.selected);
}
