// Messages: the history and the outbox in one table. An outgoing message is stored 'queued'
// before anything shows it, becomes 'sent' when written to a session and 'delivered' when the
// contact's ack arrives. Position numbers each conversation in the order this side stored its
// messages; incoming ones are stored once per ID, so a resend after a reconnect is not shown twice.
import type Database from 'better-sqlite3-multiple-ciphers';
import {normalizeFingerprint} from './contacts.js';
import {MessageIdConflictError, UnknownContactError} from './errors.js';

type Db = Database.Database;

export type MessageDirection = 'in' | 'out';
export type MessageState = 'queued' | 'sent' | 'delivered' | 'failed';

export type Message = {
	id: string;
	/** The contact's fingerprint. */
	contact: string;
	direction: MessageDirection;
	body: string;
	/** When the author wrote it (ms); for incoming messages, the sender's claim. */
	createdAt: number;
	/** When this machine stored it (ms). */
	receivedAt: number;
	state: MessageState;
	/** When `state` last changed (ms). */
	stateChangedAt: number;
	/** Order within the conversation, from 1. */
	position: number;
	read: boolean;
};

export type NewOutgoingMessage = {id: string; contact: string; body: string; createdAt?: number};
export type NewIncomingMessage = {id: string; contact: string; body: string; createdAt: number};

type MessageRow = {
	id: string;
	contact: string;
	direction: MessageDirection;
	body: string;
	created_at: number;
	received_at: number;
	state: MessageState;
	state_changed_at: number;
	position: number;
	read: number;
};

const messageStates: readonly MessageState[] = ['queued', 'sent', 'delivered', 'failed'];

function toMessage(row: MessageRow): Message {
	return {
		id: row.id,
		contact: row.contact,
		direction: row.direction,
		body: row.body,
		createdAt: row.created_at,
		receivedAt: row.received_at,
		state: row.state,
		stateChangedAt: row.state_changed_at,
		position: row.position,
		read: row.read === 1,
	};
}

function checkId(id: string): string {
	if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
		throw new RangeError(`A message ID must be a string of 1 to 128 characters, not ${JSON.stringify(id)}`);
	}

	return id;
}

/** Escapes LIKE's wildcards so a search for "50%" finds "50%". */
function likePattern(text: string): string {
	return `%${text.replace(/[\\%_]/g, character => `\\${character}`)}%`;
}

export type MessageMethods = {
	/** Stores a new outgoing message as 'queued' at the end of its conversation. */
	appendOutgoing(message: NewOutgoingMessage): Message;
	/** Stores an incoming message unless its ID is already stored; `isNew` says which. */
	appendIncoming(message: NewIncomingMessage): {isNew: boolean; message: Message};
	getMessage(id: string): Message | undefined;
	/**
	 * Moves an outgoing message to `state`. Delivered is final: a late 'sent' or 'failed' does
	 * not undo an ack. Returns whether anything changed. 'sent' and 'delivered' are committed
	 * without their own fsync (see `lazily`); 'failed' and 'queued' with one.
	 */
	setState(id: string, state: MessageState): boolean;
	/** The `limit` latest messages before position `before` (default: the end), oldest first. */
	listConversation(contact: string, options: {before?: number; limit: number}): Message[];
	/** Outgoing messages not yet acked ('queued' or 'sent'), per contact in conversation order. */
	unackedOutgoing(options?: {contact?: string}): Message[];
	/** Marks incoming messages read up to position `upTo` (default: all), without an fsync of its own. Returns how many changed. */
	markRead(contact: string, options?: {upTo?: number}): number;
	/** Unread incoming messages per contact fingerprint; contacts with none are absent. */
	unreadCounts(): Map<string, number>;
	/**
	 * Messages whose body contains `text` (case-insensitive for ASCII letters), newest first.
	 * A plain scan: histories of a messenger are small enough, and an FTS index would keep a
	 * second copy of every word.
	 */
	search(text: string, options?: {contact?: string; limit?: number}): Message[];
};

export function messageMethods(db: Db, now: () => number): MessageMethods {
	const contactExists = db.prepare<[string], {one: number}>('SELECT 1 AS one FROM contacts WHERE fingerprint = ?');
	const nextPosition = db.prepare<[string], {next: number}>('SELECT coalesce(max(position), 0) + 1 AS next FROM messages WHERE contact = ?');
	const insert = db.prepare(`INSERT INTO messages (id, contact, direction, body, created_at, received_at, state, state_changed_at, position, read)
		VALUES (@id, @contact, @direction, @body, @createdAt, @receivedAt, @state, @receivedAt, @position, @read)`);
	const selectById = db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?');
	const updateState = db.prepare<[MessageState, number, string, MessageState]>(`UPDATE messages SET state = ?, state_changed_at = ?
		WHERE id = ? AND direction = 'out' AND state != 'delivered' AND state != ?`);
	const selectPage = db.prepare<[string, number, number], MessageRow>(`SELECT * FROM (
		SELECT * FROM messages WHERE contact = ? AND position < ? ORDER BY position DESC LIMIT ?
	) ORDER BY position`);
	const selectUnacked = db.prepare<[], MessageRow>(`SELECT * FROM messages
		WHERE direction = 'out' AND state IN ('queued', 'sent') ORDER BY contact, position`);
	const selectUnackedFor = db.prepare<[string], MessageRow>(`SELECT * FROM messages
		WHERE contact = ? AND direction = 'out' AND state IN ('queued', 'sent') ORDER BY position`);
	const updateRead = db.prepare<[string, number]>(`UPDATE messages SET read = 1
		WHERE contact = ? AND read = 0 AND position <= ?`);
	const selectUnread = db.prepare<[], {contact: string; unread: number}>(`SELECT contact, count(*) AS unread
		FROM messages WHERE read = 0 GROUP BY contact`);
	const searchAll = db.prepare<[string, number], MessageRow>(`SELECT * FROM messages
		WHERE body LIKE ? ESCAPE '\\' ORDER BY received_at DESC, position DESC LIMIT ?`);
	const searchContact = db.prepare<[string, string, number], MessageRow>(`SELECT * FROM messages
		WHERE contact = ? AND body LIKE ? ESCAPE '\\' ORDER BY position DESC LIMIT ?`);

	const requireContact = (contact: string): string => {
		const fingerprint = normalizeFingerprint(contact);
		if (contactExists.get(fingerprint) === undefined) {
			throw new UnknownContactError(fingerprint);
		}

		return fingerprint;
	};

	const append = (direction: MessageDirection, message: NewOutgoingMessage, createdAt: number): Message => {
		const contact = requireContact(message.contact);
		const receivedAt = now();
		const {next} = nextPosition.get(contact) ?? {next: 1};
		insert.run({
			id: checkId(message.id),
			contact,
			direction,
			body: message.body,
			createdAt,
			receivedAt,
			// Incoming messages are delivered by definition; read only matters for them.
			state: direction === 'out' ? 'queued' : 'delivered',
			position: next,
			read: direction === 'out' ? 1 : 0,
		});
		return toMessage(selectById.get(message.id)!);
	};

	const appendOutgoing = db.transaction((message: NewOutgoingMessage): Message => {
		if (selectById.get(checkId(message.id)) !== undefined) {
			throw new MessageIdConflictError(message.id);
		}

		return append('out', message, message.createdAt ?? now());
	});

	const appendIncoming = db.transaction((message: NewIncomingMessage) => {
		const stored = selectById.get(checkId(message.id));
		if (stored !== undefined) {
			// The same ID from another contact, or one of our own IDs echoed back, is not a resend.
			if (stored.direction !== 'in' || stored.contact !== normalizeFingerprint(message.contact)) {
				throw new MessageIdConflictError(message.id);
			}

			return {isNew: false, message: toMessage(stored)};
		}

		return {isNew: true, message: append('in', message, message.createdAt)};
	});

	const setState = db.transaction((id: string, state: MessageState) => {
		if (!messageStates.includes(state)) {
			throw new RangeError(`Unknown message state ${JSON.stringify(state)}`);
		}

		return updateState.run(state, now(), id, state).changes > 0;
	});

	const markRead = db.transaction((contact: string, upTo: number) => updateRead.run(normalizeFingerprint(contact), upTo).changes);

	/**
	 * Runs `fn` with synchronous=NORMAL: its commit is in the WAL (so kill -9 loses nothing) but
	 * reaches the disk with the next fsynced commit or checkpoint. Only for changes a power cut
	 * may undo without breaking a promise to a contact: after a lost 'sent' or 'delivered' the
	 * message is resent and the contact, who stored it once by ID, acks it again; a lost read
	 * mark shows a message as unread. The outbox insert and an incoming message (before its ack)
	 * keep their own fsync. This halves the fsyncs of a message. Inside an outer transaction
	 * (where SQLite refuses the change) the outer commit decides.
	 */
	const lazily = <T>(fn: () => T): T => {
		if (db.inTransaction) {
			return fn();
		}

		db.pragma('synchronous = NORMAL');
		try {
			return fn();
		} finally {
			db.pragma('synchronous = FULL');
		}
	};

	return {
		appendOutgoing: message => appendOutgoing.immediate(message),
		appendIncoming: message => appendIncoming.immediate(message),
		getMessage(id) {
			const row = selectById.get(id);
			return row === undefined ? undefined : toMessage(row);
		},
		setState: (id, state) => state === 'sent' || state === 'delivered' ? lazily(() => setState.immediate(id, state)) : setState.immediate(id, state),
		listConversation(contact, {before = Number.MAX_SAFE_INTEGER, limit}) {
			return selectPage.all(normalizeFingerprint(contact), before, limit).map(row => toMessage(row));
		},
		unackedOutgoing({contact} = {}) {
			const rows = contact === undefined ? selectUnacked.all() : selectUnackedFor.all(normalizeFingerprint(contact));
			return rows.map(row => toMessage(row));
		},
		markRead: (contact, {upTo = Number.MAX_SAFE_INTEGER} = {}) => lazily(() => markRead.immediate(contact, upTo)),
		unreadCounts: () => new Map(selectUnread.all().map(({contact, unread}) => [contact, unread])),
		search(text, {contact, limit = 100} = {}) {
			const rows = contact === undefined
				? searchAll.all(likePattern(text), limit)
				: searchContact.all(normalizeFingerprint(contact), likePattern(text), limit);
			return rows.map(row => toMessage(row));
		},
	};
}
