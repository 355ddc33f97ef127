// What the engine tells its subscribers: one discriminated union on `type`,
// switched on exhaustively by the UI and the bot. Contacts appear by fingerprint; message text
// only in message.received. None of this is a log line: subscribers decide what to show.
import type {KeyState} from '../keys/index.js';
import type {PresenceState} from './session/index.js';
import type {Message, MessageState} from './store/index.js';

export type LifecycleState = 'starting' | 'connecting-tor' | 'publishing' | 'ready' | 'stopping' | 'stopped';

export type EngineEvent =
	| {type: 'lifecycle'; state: LifecycleState}
	| {type: 'tor.bootstrap'; progress: number; summary: string}
	| {type: 'registry.published'; contact: string; ok: boolean}
	| {type: 'contact.online'; contact: string}
	| {type: 'contact.offline'; contact: string; reason: string}
	| {type: 'contact.presence'; contact: string; state: PresenceState; status: string}
	| {type: 'contact.typing'; contact: string; typing: boolean}
	/** Added, removed, renamed, hidden or shown: redraw the contact list from contacts(). */
	| {type: 'contacts.changed'}
	/** A contact's key changed: revoked, expired, valid again, a new expiry (lines say it for people). */
	| {type: 'contact.key'; contact: string; keyState: KeyState; lines: string[]}
	| {type: 'onion.changed'}
	| {type: 'registry.nodes'; nodes: number}
	| {type: 'message.received'; message: Message}
	| {type: 'message.state'; id: string; contact: string; state: MessageState}
	| {type: 'error'; scope: 'tor' | 'onion' | 'registry' | 'session' | 'store'; message: string};

export type EngineEventType = EngineEvent['type'];
export type EngineListener = (event: EngineEvent) => void;
