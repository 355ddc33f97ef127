// The one table of file names inside a data directory: the profile lays them out, the store
// finds its key file beside the database.
/** File names inside the data directory; nothing else in the engine spells them. */
export const dataFiles = {
	/** The OpenPGP secret key, protected by the passphrase (armored). */
	identity: 'identity.asc',
	/** The encrypted SQLite store (history, contacts, outbox); WAL and shm files sit beside it. */
	store: 'store.db',
	/** Salt and KDF parameters of the store key, and a check value for the passphrase (JSON). */
	storeKey: 'store-key.json',
	/** Holds the PID of the engine using the directory. */
	lock: 'lock',
	/** Non-secret settings (conf adds the `.json`). */
	settings: 'settings',
	/** torrc and Tor's own data, when umbra starts its own tor. */
	tor: 'tor',
} as const;

export type DataFile = keyof typeof dataFiles;
