// The local store: contacts, history and outbox in one SQLite database, encrypted page by page
// (SQLite3 Multiple Ciphers, ChaCha20-Poly1305) under a key derived from the passphrase; the
// WAL is encrypted too. Page 1 starts with 16 random bytes instead of "SQLite format 3"; only
// bytes 16-23 (page size, WAL flags, reserved bytes) stay clear, as SQLite needs them before it
// can decrypt anything.
//
// Durability: WAL with synchronous=FULL, so a commit is fsynced before it returns. kill -9
// alone would lose nothing even with NORMAL (the WAL sits in the OS cache), but an ack tells
// the contact "stored", and that promise should survive a power cut too. The exceptions are
// marks a power cut may undo harmlessly (sent, delivered, read: store-messages.ts `lazily`),
// which become durable with the next fsynced commit.
//
// better-sqlite3 is synchronous: every method here runs to completion, in its own transaction,
// before it returns. Only opening is async (the KDF runs off the main thread).
import {chmodSync, closeSync, existsSync, openSync} from 'node:fs';
import {dirname, join} from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import {dataFiles} from '../data-files.js';
import {contactMethods, type ContactMethods} from './contacts.js';
import {StoreCorruptError, StoreExistsError, StoreMissingError} from './errors.js';
import {createKeyFile, defaultKdf, readKeyFile, storeCipher, unlockKeyFile, type KdfParameters} from './key.js';
import {checkNotTooNew, migrate} from './migrations.js';
import {messageMethods, type MessageMethods} from './messages.js';
import {presenceMethods, type PresenceMethods} from './presence.js';

export type OpenStoreOptions = {
	/** The database file (normally DATA_DIR/store.db). */
	path: string;
	/** The key file; default: store-key.json beside the database. */
	saltPath?: string;
	passphrase: string;
	/** true: make a new store, refusing to replace one; false: open an existing one. */
	create: boolean;
	/** scrypt parameters for a new store (an existing one uses those in its key file). */
	kdf?: KdfParameters;
	/** Milliseconds since the epoch; production default Date.now. */
	now?: () => number;
};

export type Store = ContactMethods & MessageMethods & PresenceMethods & {
	readonly path: string;
	/** Runs `fn` in one transaction (nested calls become savepoints); `fn` must be synchronous. */
	transaction<T>(fn: () => T): T;
	/** PRAGMA integrity_check; 'ok' when the store is sound. */
	integrityCheck(): string;
	schemaVersion(): number;
	/** Checkpoints the WAL and closes; safe to call twice. */
	close(): void;
};

export async function openStore(options: OpenStoreOptions): Promise<Store> {
	const {path, passphrase, create, kdf = defaultKdf, now = Date.now} = options;
	const saltPath = options.saltPath ?? join(dirname(path), dataFiles.storeKey);

	let databaseKey: Buffer;
	if (create) {
		if (existsSync(path)) {
			throw new StoreExistsError(path);
		}

		// A key file without a database is left over from a crash during creation: replace it.
		({databaseKey} = await createKeyFile(saltPath, passphrase, kdf));
	} else {
		if (!existsSync(path)) {
			throw new StoreMissingError(path);
		}

		databaseKey = await unlockKeyFile(readKeyFile(saltPath), passphrase, path);
	}

	const db = openDatabase(path, databaseKey, create);
	try {
		checkNotTooNew(db, path);
		db.pragma('journal_mode = WAL');
		db.pragma('synchronous = FULL');
		db.pragma('foreign_keys = ON');
		// Freed pages are zeroed, so deleted messages do not linger for whoever learns the key later.
		db.pragma('secure_delete = ON');
		migrate(db, path);
	} catch (error) {
		db.close();
		throw error;
	}

	return makeStore(db, path, now);
}

/**
 * Only the owner may read the store, like every other file in the data directory. SQLite gives
 * the WAL and shm files the database's mode; a store made by an older umbra (0644) is
 * tightened, its WAL and shm files with it.
 */
function restrictToOwner(path: string, create: boolean): void {
	if (create) {
		closeSync(openSync(path, 'wx', 0o600));
	}

	for (const file of [path, `${path}-wal`, `${path}-shm`]) {
		if (existsSync(file)) {
			chmodSync(file, 0o600);
		}
	}
}

function openDatabase(path: string, key: Buffer, create: boolean): Database.Database {
	restrictToOwner(path, create);
	const db = new Database(path, {fileMustExist: !create});
	try {
		// Named explicitly so a change of the library's default cannot strand old stores.
		db.pragma(`cipher = '${storeCipher}'`);
		db.pragma(`key = "x'${key.toString('hex')}'"`);
		key.fill(0);
		// The first read decrypts page 1; the passphrase is already known to be right, so a
		// failure here means the file itself is bad.
		db.prepare('SELECT count(*) FROM sqlite_master').get();
		return db;
	} catch (error) {
		db.close();
		const code = (error as {code?: string}).code;
		if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
			throw new StoreCorruptError(path, (error as Error).message);
		}

		throw error;
	}
}

function makeStore(db: Database.Database, path: string, now: () => number): Store {
	return {
		path,
		...contactMethods(db, now),
		...messageMethods(db, now),
		...presenceMethods(db),
		transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),
		integrityCheck: () => db.pragma('integrity_check', {simple: true}) as string,
		schemaVersion: () => db.pragma('user_version', {simple: true}) as number,
		close() {
			if (db.open) {
				db.close();
			}
		},
	};
}
