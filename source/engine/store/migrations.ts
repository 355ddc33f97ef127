// The schema, as a list of steps. `PRAGMA user_version` holds how many have run; opening a store
// runs the missing ones in one transaction, so a crash mid-upgrade leaves the old version whole.
// Never edit a step that has shipped: add a new one.
import type Database from 'better-sqlite3-multiple-ciphers';
import {StoreTooNewError} from './errors.js';

type Db = Database.Database;

export type Migration = {version: number; description: string; up: (db: Db) => void};

export const migrations: readonly Migration[] = [
	{
		version: 1,
		description: 'contacts and messages',
		up(db) {
			db.exec(`
				CREATE TABLE contacts (
					fingerprint TEXT PRIMARY KEY NOT NULL CHECK (length(fingerprint) = 40),
					name TEXT NOT NULL UNIQUE COLLATE NOCASE,
					certificate BLOB NOT NULL,
					added_at INTEGER NOT NULL,
					hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
					last_record_issued_at INTEGER,
					last_seq INTEGER
				) STRICT;

				CREATE TABLE messages (
					id TEXT PRIMARY KEY NOT NULL,
					contact TEXT NOT NULL REFERENCES contacts (fingerprint) ON DELETE CASCADE,
					direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
					body TEXT NOT NULL,
					created_at INTEGER NOT NULL,
					state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'delivered', 'failed')),
					position INTEGER NOT NULL,
					read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
					UNIQUE (contact, position)
				) STRICT;

				CREATE INDEX messages_outbox ON messages (contact, position)
					WHERE direction = 'out' AND state IN ('queued', 'sent');
			`);
		},
	},
	{
		version: 2,
		description: 'received and state-change times; unread index',
		up(db) {
			// received_at: when this machine stored the message (created_at is the sender's claim);
			// state_changed_at: when it was last sent/delivered/failed, for "delivered 12:03".
			db.exec(`
				ALTER TABLE messages ADD COLUMN received_at INTEGER;
				ALTER TABLE messages ADD COLUMN state_changed_at INTEGER;
				UPDATE messages SET received_at = created_at, state_changed_at = created_at;
				CREATE INDEX messages_unread ON messages (contact) WHERE read = 0;
			`);
		},
	},
	{
		version: 3,
		description: 'the own presence and status text, kept across restarts',
		up(db) {
			// One row at most: a user who went invisible must start invisible, not online for a
			// moment. In the encrypted store because the status text is the user's own words.
			db.exec(`
				CREATE TABLE own_presence (
					id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
					state TEXT NOT NULL CHECK (state IN ('online', 'away', 'busy', 'invisible')),
					status TEXT NOT NULL
				) STRICT;
			`);
		},
	},
];

export const currentSchemaVersion = migrations.length;

export function schemaVersion(db: Db): number {
	return db.pragma('user_version', {simple: true}) as number;
}

/** Refuses a store from a newer umbra before anything writes to it. */
export function checkNotTooNew(db: Db, path: string, supported = currentSchemaVersion): void {
	const found = schemaVersion(db);
	if (found > supported) {
		throw new StoreTooNewError(path, found, supported);
	}
}

/** Runs the steps after the store's version, up to `target`, all in one transaction. */
export function migrate(db: Db, path: string, target = currentSchemaVersion): void {
	db.transaction(() => {
		const found = schemaVersion(db);
		if (found > target) {
			throw new StoreTooNewError(path, found, target);
		}

		for (const migration of migrations.slice(found, target)) {
			migration.up(db);
			// PRAGMA takes no bound parameters; the version is our own integer.
			db.pragma(`user_version = ${migration.version}`);
		}
	}).immediate();
}
