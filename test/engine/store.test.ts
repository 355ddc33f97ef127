import assert from 'node:assert/strict';
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import Database from 'better-sqlite3-multiple-ciphers';
import {openStore, type Store} from '../../source/engine/store/store.js';
import {
	DuplicateContactError,
	DuplicateNameError,
	InvalidContactNameError,
	MessageIdConflictError,
	StoreCorruptError,
	StoreExistsError,
	StoreKeyFileError,
	StoreMissingError,
	StoreTooNewError,
	UnknownContactError,
	WrongPassphraseError,
} from '../../source/engine/store/errors.js';
import {createKeyFile, readKeyFile, storeCipher, unlockKeyFile} from '../../source/engine/store/key.js';
import {currentSchemaVersion, migrate} from '../../source/engine/store/migrations.js';

// Cheap scrypt for tests; the production parameters are checked once below.
const kdf = {N: 2 ** 10, r: 8, p: 1};
const passphrase = 'correct horse battery staple';
const alice = 'A1'.repeat(20);
const bob = 'B0'.repeat(20);
const carol = 'C3'.repeat(20);
const certificate = new Uint8Array([0x99, 0x00, 0x33, 1, 2, 3]);

let root: string;
let counter = 0;
before(() => {
	root = mkdtempSync(join(tmpdir(), 'umbra-store-'));
});
after(() => {
	rmSync(root, {recursive: true, force: true});
});

/** A fresh directory per test, so tests do not share files. */
function freshDir(): string {
	const directory = join(root, `s${counter++}`);
	mkdirSync(directory);
	return directory;
}

async function newStore(now?: () => number): Promise<{store: Store; directory: string; path: string}> {
	const directory = freshDir();
	const path = join(directory, 'store.db');
	const store = await openStore({path, passphrase, create: true, kdf, ...(now ? {now} : {})});
	return {store, directory, path};
}

/** Every file in the directory with a hash of its bytes: to show a failed open changed nothing. */
function snapshot(directory: string): Record<string, string> {
	return Object.fromEntries(readdirSync(directory).sort().map(name => [name, createHash('sha256').update(readFileSync(join(directory, name))).digest('hex')]));
}

/** Opens the database under the store, bypassing the Store API (to forge old or future stores). */
async function rawDatabase(path: string, keyPath: string): Promise<Database.Database> {
	const key = await unlockKeyFile(readKeyFile(keyPath), passphrase, path);
	const db = new Database(path);
	db.pragma(`cipher = '${storeCipher}'`);
	db.pragma(`key = "x'${key.toString('hex')}'"`);
	return db;
}

describe('store: contacts', () => {
	it('adds, finds (name ignoring case), lists, renames, hides and removes', async () => {
		const {store} = await newStore(() => 1000);
		try {
			const added = store.addContact({fingerprint: alice.toLowerCase(), name: '  Alice ', certificate});
			assert.deepEqual(added, {fingerprint: alice, name: 'Alice', certificate, addedAt: 1000, hidden: false, lastRecordIssuedAt: undefined, lastSeq: undefined});
			store.addContact({fingerprint: bob, name: 'bob', certificate, addedAt: 5});
			assert.equal(store.getContactByName('ALICE')?.fingerprint, alice);
			assert.equal(store.getContact(bob)?.addedAt, 5);
			assert.equal(store.getContact(carol), undefined);
			assert.deepEqual(store.listContacts().map(contact => contact.name), ['Alice', 'bob']);
			assert.equal(store.renameContact(bob, 'Bobby').name, 'Bobby');
			assert.equal(store.renameContact(alice, 'alice').name, 'alice', 'a contact may change the case of its own name');
			assert.equal(store.setHidden(alice, true).hidden, true);
			assert.deepEqual(store.updateRegistryState(alice, {lastSeq: 1_700_000_000_000_000}), {...store.getContact(alice)!, lastSeq: 1_700_000_000_000_000});
			assert.equal(store.updateRegistryState(alice, {lastRecordIssuedAt: 42}).lastSeq, 1_700_000_000_000_000);
			assert.deepEqual(store.replaceCertificate(alice, new Uint8Array([7])).certificate, new Uint8Array([7]));
			assert.equal(store.removeContact(bob), true);
			assert.equal(store.removeContact(bob), false);
			assert.deepEqual(store.listContacts().map(contact => contact.fingerprint), [alice]);
		} finally {
			store.close();
		}
	});

	it('refuses a duplicate name, a duplicate key and bad names, with clear errors', async () => {
		const {store} = await newStore();
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			store.addContact({fingerprint: bob, name: 'Bob', certificate});
			assert.throws(() => store.addContact({fingerprint: carol, name: 'aLiCe', certificate}), (error: Error) => error instanceof DuplicateNameError && /already have a contact named "aLiCe"/.test(error.message));
			assert.throws(() => store.addContact({fingerprint: alice, name: 'Other', certificate}), (error: Error) => error instanceof DuplicateContactError && error.message.includes('"Alice"'));
			assert.throws(() => store.renameContact(bob, 'ALICE'), DuplicateNameError);
			assert.throws(() => store.renameContact(carol, 'Carol'), UnknownContactError);
			assert.throws(() => store.addContact({fingerprint: carol, name: '   ', certificate}), InvalidContactNameError);
			assert.throws(() => store.addContact({fingerprint: carol, name: 'evil\u202Eeman', certificate}), InvalidContactNameError);
			assert.throws(() => store.addContact({fingerprint: carol, name: 'x'.repeat(65), certificate}), InvalidContactNameError);
			assert.throws(() => store.addContact({fingerprint: 'ABCD', name: 'Short', certificate}), RangeError);
			assert.deepEqual(store.listContacts().map(contact => contact.name), ['Alice', 'Bob']);
		} finally {
			store.close();
		}
	});
});

describe('store: messages', () => {
	it('numbers each conversation, and moves outgoing messages through their states', async () => {
		let clock = 100;
		const {store} = await newStore(() => clock++);
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			store.addContact({fingerprint: bob, name: 'Bob', certificate});
			const first = store.appendOutgoing({id: 'o1', contact: alice, body: 'hi'});
			assert.equal(first.state, 'queued');
			assert.equal(first.position, 1);
			assert.equal(store.appendIncoming({id: 'i1', contact: alice, body: 'hello', createdAt: 5}).message.position, 2);
			assert.equal(store.appendOutgoing({id: 'o2', contact: bob, body: 'yo'}).position, 1);
			assert.equal(store.appendOutgoing({id: 'o3', contact: alice, body: 'how are you'}).position, 3);
			assert.throws(() => store.appendOutgoing({id: 'o1', contact: bob, body: 'again'}), MessageIdConflictError);
			assert.throws(() => store.appendOutgoing({id: 'o9', contact: carol, body: 'who'}), UnknownContactError);

			assert.deepEqual(store.unackedOutgoing().map(message => message.id), ['o1', 'o3', 'o2']);
			assert.equal(store.setState('o1', 'sent'), true);
			assert.equal(store.setState('o1', 'sent'), false);
			assert.equal(store.setState('o1', 'delivered'), true);
			assert.equal(store.setState('o1', 'sent'), false, 'a late "sent" does not undo an ack');
			assert.equal(store.setState('i1', 'failed'), false, 'incoming messages have no outbox state');
			assert.equal(store.getMessage('o1')?.state, 'delivered');
			assert.ok(store.getMessage('o1')!.stateChangedAt > first.stateChangedAt);
			store.setState('o3', 'failed');
			assert.deepEqual(store.unackedOutgoing({contact: alice}).map(message => message.id), []);
			assert.deepEqual(store.unackedOutgoing().map(message => message.id), ['o2']);
			assert.throws(() => store.setState('o2', 'lost' as never), RangeError);
		} finally {
			store.close();
		}
	});

	it('stores an incoming message exactly once, and refuses an ID from another conversation', async () => {
		const {store} = await newStore();
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			store.addContact({fingerprint: bob, name: 'Bob', certificate});
			const first = store.appendIncoming({id: 'm', contact: alice, body: 'once', createdAt: 1});
			assert.equal(first.isNew, true);
			assert.equal(first.message.read, false);
			const again = store.appendIncoming({id: 'm', contact: alice, body: 'once', createdAt: 1});
			assert.deepEqual(again, {isNew: false, message: first.message});
			assert.throws(() => store.appendIncoming({id: 'm', contact: bob, body: 'stolen id', createdAt: 1}), MessageIdConflictError);
			store.appendOutgoing({id: 'mine', contact: bob, body: 'x'});
			assert.throws(() => store.appendIncoming({id: 'mine', contact: bob, body: 'echo', createdAt: 1}), MessageIdConflictError);
			assert.equal(store.listConversation(alice, {limit: 10}).length, 1);
		} finally {
			store.close();
		}
	});

	it('pages a conversation backwards, counts and marks unread messages, and searches', async () => {
		const {store} = await newStore();
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			store.addContact({fingerprint: bob, name: 'Bob', certificate});
			for (let index = 1; index <= 10; index++) {
				store.appendIncoming({id: `a${index}`, contact: alice, body: `note ${index}${index === 4 ? ' 50% off_sale' : ''}`, createdAt: index});
			}

			store.appendIncoming({id: 'b1', contact: bob, body: 'NOTE from bob', createdAt: 1});
			store.appendOutgoing({id: 'b2', contact: bob, body: '500 off'});
			assert.deepEqual(store.listConversation(alice, {limit: 3}).map(message => message.position), [8, 9, 10]);
			assert.deepEqual(store.listConversation(alice, {before: 8, limit: 3}).map(message => message.position), [5, 6, 7]);
			assert.deepEqual(store.listConversation(alice, {before: 2, limit: 3}).map(message => message.position), [1]);
			assert.deepEqual(store.unreadCounts(), new Map([[alice, 10], [bob, 1]]));
			assert.equal(store.markRead(alice, {upTo: 4}), 4);
			assert.equal(store.markRead(bob), 1);
			assert.deepEqual(store.unreadCounts(), new Map([[alice, 6]]));
			assert.equal(store.search('note').length, 11);
			assert.deepEqual(store.search('note', {contact: bob}).map(message => message.id), ['b1']);
			assert.deepEqual(store.search('50%').map(message => message.id), ['a4'], 'LIKE wildcards are escaped');
			assert.deepEqual(store.search('f_s').map(message => message.id), ['a4']);
			assert.deepEqual(store.search('note', {limit: 2}).length, 2);
		} finally {
			store.close();
		}
	});

	it('commits sent, delivered and read marks alone (without their own fsync) and inside a transaction', async () => {
		const {store} = await newStore();
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			store.appendOutgoing({id: 'l1', contact: alice, body: 'one'});
			store.appendOutgoing({id: 'l2', contact: alice, body: 'two'});
			store.appendIncoming({id: 'l3', contact: alice, body: 'three', createdAt: 5});
			assert.equal(store.setState('l1', 'sent'), true);
			assert.equal(store.setState('l1', 'delivered'), true);
			assert.equal(store.unreadCounts().get(alice), 1);
			// SQLite refuses to change the sync level inside a transaction; the outer commit decides there.
			store.transaction(() => {
				assert.equal(store.setState('l2', 'sent'), true);
				assert.equal(store.markRead(alice), 1);
			});
			assert.equal(store.setState('l2', 'failed'), true, 'a plain commit still works after the lazy ones');
			assert.deepEqual(['l1', 'l2'].map(id => store.getMessage(id)?.state), ['delivered', 'failed']);
			assert.equal(store.unreadCounts().get(alice), undefined);
		} finally {
			store.close();
		}
	});

	it('rolls a whole transaction back when it throws; removing a contact removes the conversation', async () => {
		const {store} = await newStore();
		try {
			store.addContact({fingerprint: alice, name: 'Alice', certificate});
			assert.throws(() => store.transaction(() => {
				store.appendOutgoing({id: 't1', contact: alice, body: 'one'});
				store.addContact({fingerprint: bob, name: 'Bob', certificate});
				throw new Error('boom');
			}), /boom/);
			assert.equal(store.getMessage('t1'), undefined);
			assert.equal(store.getContact(bob), undefined);
			assert.equal(store.transaction(() => store.appendOutgoing({id: 't2', contact: alice, body: 'two'}).position), 1);
			store.removeContact(alice);
			assert.equal(store.getMessage('t2'), undefined);
		} finally {
			store.close();
		}
	});
});

describe('store: at rest', () => {
	it('has no readable header and no plaintext anywhere in its files, WAL included', async () => {
		const {store, directory, path} = await newStore();
		const secretName = 'Zebediah Quux';
		const secretBody = 'the eagle lands at midnight';
		store.addContact({fingerprint: alice, name: secretName, certificate});
		for (let index = 0; index < 50; index++) {
			store.appendOutgoing({id: `m${index}`, contact: alice, body: `${secretBody} #${index}`});
		}

		const check = () => {
			assert.notEqual(readFileSync(path).subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
			for (const name of readdirSync(directory)) {
				const bytes = readFileSync(join(directory, name));
				for (const needle of [secretName, secretBody, alice, 'CREATE TABLE', 'SQLite format']) {
					assert.equal(bytes.includes(Buffer.from(needle)), false, `"${needle}" readable in ${name}`);
					assert.equal(bytes.includes(Buffer.from(needle, 'utf16le')), false, `"${needle}" readable (UTF-16) in ${name}`);
				}
			}
		};

		// While open the recent writes live in the WAL; after close they are checkpointed.
		assert.ok(statSync(`${path}-wal`).size > 0, 'the WAL holds the writes');
		check();
		store.close();
		check();
		const reopened = await openStore({path, passphrase, create: false});
		assert.equal(reopened.listConversation(alice, {limit: 100}).length, 50);
		assert.equal(reopened.getContact(alice)?.name, secretName);
		reopened.close();
	});

	it('keeps the KDF parameters and salt beside the database, readable only by the user', async () => {
		const {store, directory} = await newStore();
		store.close();
		const keyPath = join(directory, 'store-key.json');
		assert.equal(statSync(keyPath).mode & 0o777, 0o600);
		const keyFile = readKeyFile(keyPath);
		assert.deepEqual(keyFile.kdf, kdf);
		assert.ok(keyFile.salt.length >= 16);
	});

	it('uses scrypt N=2^17, r=8 by default', async () => {
		const directory = freshDir();
		const keyPath = join(directory, 'k.json');
		await createKeyFile(keyPath, passphrase, {N: 2 ** 17, r: 8, p: 1});
		assert.deepEqual(JSON.parse(readFileSync(keyPath, 'utf8')).kdf, {name: 'scrypt', N: 131_072, r: 8, p: 1});
		const store = await openStore({path: join(directory, 'store.db'), saltPath: keyPath, passphrase, create: true});
		store.close();
		assert.equal(readKeyFile(keyPath).kdf.N, 2 ** 17);
	});
});

describe('store: opening', () => {
	it('refuses a wrong passphrase with WrongPassphraseError, changing nothing', async () => {
		const {store, directory, path} = await newStore();
		store.addContact({fingerprint: alice, name: 'Alice', certificate});
		store.close();
		const before = snapshot(directory);
		await assert.rejects(openStore({path, passphrase: 'Correct horse battery staple', create: false}), (error: Error) => error instanceof WrongPassphraseError && error.message.includes(path));
		assert.deepEqual(snapshot(directory), before);
	});

	it('refuses to create over an existing store, and to open a missing one', async () => {
		const {store, path} = await newStore();
		store.close();
		await assert.rejects(openStore({path, passphrase, create: true, kdf}), StoreExistsError);
		await assert.rejects(openStore({path: join(freshDir(), 'store.db'), passphrase, create: false}), StoreMissingError);
	});

	it('says a garbage store file is damaged (the passphrase being right), changing nothing', async () => {
		const {store, directory, path} = await newStore();
		store.close();
		writeFileSync(path, randomBytes(8192));
		const before = snapshot(directory);
		await assert.rejects(openStore({path, passphrase, create: false}), (error: Error) => error instanceof StoreCorruptError && /damaged/.test(error.message));
		assert.deepEqual(snapshot(directory), before);
	});

	it('says a truncated or missing key file cannot unlock the store, changing nothing', async () => {
		const {store, directory, path} = await newStore();
		store.close();
		const keyPath = join(directory, 'store-key.json');
		const text = readFileSync(keyPath, 'utf8');
		writeFileSync(keyPath, text.slice(0, text.length / 2));
		const before = snapshot(directory);
		await assert.rejects(openStore({path, passphrase, create: false}), (error: Error) => error instanceof StoreKeyFileError && /truncated/.test(error.message));
		assert.deepEqual(snapshot(directory), before);
		// Valid JSON with a cut salt.
		const json = JSON.parse(text) as {salt: string};
		writeFileSync(keyPath, JSON.stringify({...json, salt: json.salt.slice(0, 8)}));
		await assert.rejects(openStore({path, passphrase, create: false}), /salt or check value of the wrong size/);
		// A KDF asking for absurd memory is refused before running.
		writeFileSync(keyPath, JSON.stringify({...json, kdf: {name: 'scrypt', N: 2 ** 30, r: 8, p: 1}}));
		await assert.rejects(openStore({path, passphrase, create: false}), StoreKeyFileError);
		rmSync(keyPath);
		await assert.rejects(openStore({path, passphrase, create: false}), /store-key\.json is missing/);
		assert.ok(existsSync(path));
	});

	it('refuses a store from a newer umbra, changing nothing', async () => {
		const {store, directory, path} = await newStore();
		store.close();
		const db = await rawDatabase(path, join(directory, 'store-key.json'));
		db.pragma(`user_version = ${currentSchemaVersion + 1}`);
		db.close();
		const before = snapshot(directory);
		await assert.rejects(openStore({path, passphrase, create: false}), (error: Error) => error instanceof StoreTooNewError && error.message.includes(`schema version ${currentSchemaVersion + 1}`) && /Upgrade umbra/.test(error.message));
		assert.deepEqual(snapshot(directory), before);
	});

	it('upgrades a version 1 store to the current schema, keeping its data', async () => {
		const directory = freshDir();
		const path = join(directory, 'store.db');
		const keyPath = join(directory, 'store-key.json');
		await createKeyFile(keyPath, passphrase, kdf);
		const db = await rawDatabase(path, keyPath);
		db.pragma('journal_mode = WAL');
		migrate(db, path, 1);
		db.prepare('INSERT INTO contacts (fingerprint, name, certificate, added_at) VALUES (?, ?, ?, ?)').run(alice, 'Alice', Buffer.from(certificate), 7);
		db.prepare(`INSERT INTO messages (id, contact, direction, body, created_at, state, position, read) VALUES ('old', ?, 'in', 'from v1', 1234, 'delivered', 1, 0)`).run(alice);
		assert.equal(db.pragma('user_version', {simple: true}), 1);
		db.close();

		const store = await openStore({path, passphrase, create: false});
		try {
			assert.equal(store.schemaVersion(), currentSchemaVersion);
			assert.ok(currentSchemaVersion >= 2);
			const old = store.getMessage('old');
			assert.equal(old?.body, 'from v1');
			assert.equal(old?.receivedAt, 1234);
			assert.equal(old?.stateChangedAt, 1234);
			assert.deepEqual(store.unreadCounts(), new Map([[alice, 1]]));
			assert.equal(store.appendOutgoing({id: 'new', contact: alice, body: 'from v2'}).position, 2);
			assert.equal(store.integrityCheck(), 'ok');
		} finally {
			store.close();
		}
	});
});
