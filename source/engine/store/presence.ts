// The user's own presence as last chosen, so a restart shows contacts what the user last chose
// (above all: a user who went invisible stays invisible from the first moment).
import type Database from 'better-sqlite3-multiple-ciphers';

export const storedPresenceStates = ['online', 'away', 'busy', 'invisible'] as const;
export type StoredPresence = {state: typeof storedPresenceStates[number]; status: string};

export type PresenceMethods = {
	/** The last presence set; undefined when none was ever set (a new profile). */
	ownPresence(): StoredPresence | undefined;
	setOwnPresence(presence: StoredPresence): void;
};

export function presenceMethods(db: Database.Database): PresenceMethods {
	const select = db.prepare<[], {state: string; status: string}>('SELECT state, status FROM own_presence WHERE id = 1');
	const upsert = db.prepare('INSERT INTO own_presence (id, state, status) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, status = excluded.status');
	return {
		ownPresence() {
			const row = select.get();
			const state = storedPresenceStates.find(known => known === row?.state);
			return row && state ? {state, status: row.status} : undefined;
		},
		setOwnPresence({state, status}) {
			upsert.run(state, status);
		},
	};
}
