// The one hook between the engine and the screen: it subscribes to the engine,
// feeds the pane reducers, loads the open conversation's window, and returns what the panes draw
// plus the actions keys and commands need. Key handling itself is handle-key.ts.
import {useCallback, useEffect, useMemo, useRef} from 'react';
import type {EngineApi, EngineEvent, Message} from '../engine/index.js';
import {cleanLine} from './clean.js';
import {contactsReducer, initialContactsState, selectedContact} from './contacts-reducer.js';
import {visibleRows} from './conversation-layout.js';
import {conversationReducer, historyPageSize, initialConversationState} from './conversation-reducer.js';
import {initialInputState, inputReducer} from './input-reducer.js';
import {statusReducer} from './status-reducer.js';
import {initialUiState, uiReducer} from './ui-reducer.js';
import {useSyncReducer} from './use-sync-reducer.js';

export type ChatSize = {columns: number; rows: number};

/** Rows around the conversation: status bar, header row, notice row, input row. */
export const chromeRows = 4;
export const contactsWidth = 24;
/** Search results shown at most; the title says when more match. */
export const searchLimit = 100;

export type ChatOptions = {
	engine: EngineApi;
	size: ChatSize;
	/** Rings the terminal bell (a message for a contact that is not on screen). */
	bell?: (() => void) | undefined;
	now?: () => number;
};

export function useChat({engine, size, bell, now = Date.now}: ChatOptions) {
	const [contacts, contactsDispatch, readContacts] = useSyncReducer(contactsReducer, () => contactsReducer(initialContactsState, {type: 'loaded', contacts: engine.contacts()}));
	const [conversation, conversationDispatch, readConversation] = useSyncReducer(conversationReducer, () => initialConversationState);
	const [status, statusDispatch] = useSyncReducer(statusReducer, () => engine.status());
	const [ui, uiDispatch, readUi] = useSyncReducer(uiReducer, () => initialUiState);
	const [input, inputDispatch, readInput] = useSyncReducer(inputReducer, () => initialInputState);
	/** The state as of now, for key and event handlers (render's copies can be a key behind). */
	const current = useCallback(() => ({contacts: readContacts(), conversation: readConversation(), ui: readUi(), input: readInput()}), [readContacts, readConversation, readUi, readInput]);
	const bellRef = useRef(bell);
	bellRef.current = bell;

	useEffect(() => {
		const unsubscribe = engine.subscribe((event: EngineEvent) => {
			contactsDispatch({type: 'event', event});
			conversationDispatch({type: 'event', event});
			statusDispatch({type: 'event', event, now: now()});
			switch (event.type) {
				case 'contacts.changed': {
					contactsDispatch({type: 'loaded', contacts: engine.contacts()});
					break;
				}

				case 'lifecycle':
				case 'onion.changed': {
					statusDispatch({type: 'snapshot', status: engine.status()});
					break;
				}

				case 'message.received': {
					if (event.message.contact === readContacts().selected) {
						void engine.markRead(event.message.contact).catch(() => undefined);
					} else {
						bellRef.current?.();
					}

					break;
				}

				case 'contact.key': {
					uiDispatch({type: 'notice', notice: {kind: event.keyState === 'valid' ? 'info' : 'error', text: cleanLine(event.lines.join(' '))}});
					break;
				}

				case 'error': {
					uiDispatch({type: 'notice', notice: {kind: 'error', text: cleanLine(`${event.scope}: ${event.message}`)}});
					break;
				}

				default: {
					break;
				}
			}
		});
		// What changed between the first render and this subscription would otherwise be missed.
		contactsDispatch({type: 'loaded', contacts: engine.contacts()});
		statusDispatch({type: 'snapshot', status: engine.status()});
		return unsubscribe;
	}, [engine, now, contactsDispatch, conversationDispatch, statusDispatch, uiDispatch, readContacts]);

	/** A page of history; a store that fails to read is a notice, not a crash (and no page: hasOlder ends). */
	const readHistory = useCallback((contact: string, before: number | undefined) => {
		try {
			return engine.history(contact, {...(before === undefined ? {} : {before}), limit: historyPageSize});
		} catch (error) {
			uiDispatch({type: 'notice', notice: {kind: 'error', text: cleanLine(`Could not read the history: ${error instanceof Error ? error.message : String(error)}`)}});
			return [];
		}
	}, [engine, uiDispatch]);

	/** A message to show once its conversation is open (Enter on a search result). */
	const pendingJump = useRef<Message | undefined>(undefined);

	// Opening a contact: its newest page of history, and it counts as read.
	const {selected} = contacts;
	useEffect(() => {
		if (selected === undefined) {
			conversationDispatch({type: 'opened', contact: undefined, messages: []});
			return;
		}

		conversationDispatch({type: 'opened', contact: selected, messages: readHistory(selected, undefined)});
		if (pendingJump.current?.contact === selected) {
			showMessage.current(pendingJump.current);
		}

		pendingJump.current = undefined;
		contactsDispatch({type: 'read', fingerprint: selected});
		void engine.markRead(selected).catch(() => undefined);
	}, [engine, selected, contactsDispatch, conversationDispatch, readHistory]);

	const contact = selectedContact(contacts);
	const bodyRows = Math.max(1, size.rows - chromeRows);
	// Right of the contacts: a border column and a padding column.
	const conversationWidth = Math.max(20, size.columns - contactsWidth - 2);
	const ownName = engine.self.userId.replace(/\s*<[^>]*>\s*$/, '') || 'me';
	const contactName = contact?.name ?? '';
	const layout = useCallback(() => ({width: conversationWidth, ownName, contactName, now: now()}), [conversationWidth, ownName, contactName, now]);
	const view = useMemo(() => visibleRows(conversation, bodyRows, layout()), [conversation, bodyRows, layout]);

	/** The page before the window; false when there is none. */
	const loadOlder = useCallback(() => {
		const state = readConversation();
		const oldest = state.messages[0];
		if (!state.hasOlder || !state.contact || !oldest) {
			return false;
		}

		conversationDispatch({type: 'older', contact: state.contact, messages: readHistory(state.contact, oldest.position)});
		return readConversation() !== state;
	}, [readConversation, conversationDispatch, readHistory]);

	/**
	 * Scrolls the conversation by rows (positive: back). Older pages are read before the scroll,
	 * never after it: the view moves once, by exactly the rows asked for, and skips nothing.
	 */
	const scrollConversation = useCallback((rows: number) => {
		while (rows > 0) {
			const state = readConversation();
			const ahead = visibleRows({...state, scroll: state.scroll + rows}, bodyRows, layout());
			if (!ahead.atTop || !loadOlder()) {
				break;
			}
		}

		conversationDispatch({type: 'scroll', rows});
	}, [readConversation, conversationDispatch, bodyRows, layout, loadOlder]);

	// The view asks for more than exists (a resize, a page that was short): load or clamp; scrolled
	// forward past the newest message: follow new messages again.
	useEffect(() => {
		if (view.atBottom && conversation.bottom !== undefined) {
			conversationDispatch({type: 'follow'});
		} else if (view.overshoot > 0 && !(view.atTop && loadOlder())) {
			conversationDispatch({type: 'scroll', rows: -view.overshoot});
		}
	}, [conversationDispatch, loadOlder, view.atBottom, view.atTop, view.overshoot, conversation.bottom]);

	/** Scrolls the open conversation so the message's first row is the top of the view. */
	const showMessageNow = useCallback((message: Message) => {
		while (!readConversation().messages.some(known => known.id === message.id) && loadOlder()) {
			// Read back page by page until the window holds it.
		}

		const state = readConversation();
		const index = state.messages.findIndex(known => known.id === message.id);
		if (index < 0) {
			uiDispatch({type: 'notice', notice: {kind: 'error', text: 'That message is no longer in the conversation.'}});
			return;
		}

		const rowsFrom = visibleRows({...state, scroll: 0, bottom: undefined, messages: state.messages.slice(index)}, Number.MAX_SAFE_INTEGER, layout()).rows.length;
		conversationDispatch({type: 'follow'});
		conversationDispatch({type: 'scroll', rows: Math.max(0, rowsFrom - bodyRows)});
	}, [readConversation, loadOlder, uiDispatch, conversationDispatch, layout, bodyRows]);
	const showMessage = useRef(showMessageNow);
	showMessage.current = showMessageNow;

	/** Opens the message's conversation at that message. */
	const openAt = useCallback((message: Message) => {
		if (readContacts().selected === message.contact) {
			showMessageNow(message);
			return;
		}

		pendingJump.current = message;
		contactsDispatch({type: 'select', fingerprint: message.contact});
	}, [readContacts, contactsDispatch, showMessageNow]);

	const search = useCallback((text: string, all: boolean) => {
		const contactFilter = all ? undefined : readContacts().selected;
		if (!all && contactFilter === undefined) {
			uiDispatch({type: 'notice', notice: {kind: 'error', text: 'No conversation is open: use /search -a TEXT to search them all.'}});
			return;
		}

		// One more than shown: whether more match than the list holds.
		const found = engine.search(text, {...(contactFilter === undefined ? {} : {contact: contactFilter}), limit: searchLimit + 1});
		uiDispatch({type: 'overlay', overlay: {kind: 'search', query: text, results: found.slice(0, searchLimit), capped: found.length > searchLimit}});
	}, [engine, readContacts, uiDispatch]);

	/** Own presence has no event: re-read the status after changing it. */
	const refreshStatus = useCallback(() => statusDispatch({type: 'snapshot', status: engine.status()}), [engine, statusDispatch]);

	return {
		engine, size, refreshStatus, bodyRows, conversationWidth,
		contacts, contactsDispatch, contact,
		conversation, conversationDispatch, view, scrollConversation,
		status, ui, uiDispatch, input, inputDispatch,
		search, openAt, now, current,
	};
}

export type Chat = ReturnType<typeof useChat>;
