// umbra import FILE|- and umbra contacts, run as the built CLI: a gpg --export file with several
// keys (each usable one added, the others listed with their reasons), a key without a user ID
// (needs --name), a user ID full of terminal escapes (never reaches the output), duplicates,
// junk, and list / rename / remove. Every refusal leaves the contact list as it was.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {exitCodes} from '../../source/exit-codes.js';
import {fingerprintOf, makeGnupgHome, type GnupgHome} from '../helpers/gnupg.js';
import {fixtureCertificate, fixtureText, makeKey, stripUserIds} from '../helpers/key-fixtures.js';
import {runUmbra, temporaryFolder} from './run-umbra.js';

const env = {UMBRA_PASSPHRASE: 'contacts test passphrase'};

/** NAME column of `umbra contacts`, header dropped. */
function names(listing: string): string[] {
	return listing.trim().split('\n').slice(1).map(row => row.split(/ {2,}/)[0]!);
}

describe('umbra import FILE and umbra contacts', () => {
	const folder = temporaryFolder('contacts');
	const dataDir = join(folder.path, 'data');
	const common = ['--data-dir', dataDir];
	let gnupg: GnupgHome;
	let sidFingerprint = '';

	const contactNames = async () => {
		const listed = await runUmbra(['contacts', ...common], {env});
		assert.equal(listed.code, exitCodes.ok, listed.stderr);
		return names(listed.stdout);
	};

	before(async () => {
		gnupg = makeGnupgHome();
		const made = await runUmbra(['init', '--user-id', 'Owner <owner@example.org>', ...common], {env});
		assert.equal(made.code, exitCodes.ok, made.stderr);
	});

	after(() => {
		gnupg?.close();
		folder.remove();
	});

	it('adds every usable key of a gpg --export with several, and names the refused one with its reason', async () => {
		gnupg.gpg(['--import'], fixtureText('alice.pub.asc') + fixtureText('bob.pub.asc'));
		gnupg.gpg(['--passphrase', '', '--quick-gen-key', 'Sid Signonly <sid@example.org>', 'ed25519', 'cert,sign', 'never']);
		sidFingerprint = fingerprintOf(gnupg, 'sid@example.org');
		// One armor block with three keys, as gpg writes it, then Carol's RFC 9580 key (which
		// GnuPG 2.2 cannot hold) as a second block.
		const file = join(folder.path, 'several.asc');
		writeFileSync(file, gnupg.gpg(['--armor', '--export']).stdout.toString('utf8') + fixtureText('carol.pub.asc'));

		const imported = await runUmbra(['import', file, '--yes', ...common], {env});
		assert.equal(imported.code, exitCodes.refused, imported.stderr);
		for (const name of ['Alice', 'Bob', 'Carol']) {
			assert.match(imported.stdout, new RegExp(`^Added ${name} \\(key ID [\\dA-F]{16}\\)\\.$`, 'm'));
		}

		const alice = await fixtureCertificate('alice');
		assert.ok(imported.stdout.includes(`fingerprint  ${alice.fingerprint.match(/.{4}/g)!.join(' ')}`), 'the fingerprint is shown grouped');
		assert.ok(imported.stderr.includes(`gpg --quick-add-key ${sidFingerprint} cv25519 encr`), imported.stderr);
		assert.deepEqual(await contactNames(), ['Alice', 'Bob', 'Carol']);

		// The same key again is a refresh of the contact, not a second contact.
		const again = await runUmbra(['import', '-', '--yes', ...common], {env, input: fixtureText('bob.pub.asc')});
		assert.equal(again.code, exitCodes.ok, again.stderr);
		assert.match(again.stdout, /^Bob's key is already up to date \(valid\)\.$/m);
		assert.deepEqual(await contactNames(), ['Alice', 'Bob', 'Carol']);
	});

	it('needs --name for a key without a user ID, and strips escapes from a user ID before printing it', async () => {
		const nameless = stripUserIds((await makeKey({name: 'Hidden'})).toPublic()).armor();
		const unnamed = await runUmbra(['import', '-', '--yes', ...common], {env, input: nameless});
		assert.equal(unnamed.code, exitCodes.refused);
		assert.match(unnamed.stderr, /no user ID .*--name NAME/);
		const named = await runUmbra(['import', '-', '--yes', '--name', 'Nameless', ...common], {env, input: nameless});
		assert.equal(named.code, exitCodes.ok, named.stderr);
		assert.match(named.stdout, /no user ID/);

		const {publicKey} = await openpgp.generateKey({type: 'ecc', curve: 'curve25519Legacy', userIDs: [{name: 'Mal\u001B]0;owned\u0007lo\u001B[2J\u202Ery'}], format: 'object'});
		const evil = await runUmbra(['import', '-', '--yes', ...common], {env, input: publicKey.armor()});
		assert.equal(evil.code, exitCodes.ok, evil.stderr);
		assert.match(evil.stdout, /user ID {6}Mallory\n/);
		assert.match(evil.stdout, /^Added Mallory /m);
		assert.ok(!['\u001B', '\u0007', '\u202E'].some(character => (evil.stdout + evil.stderr).includes(character)), 'no escape, bell or bidi override printed');
	});

	it('refuses junk, short key IDs and an unconfirmed import, and the list stays the same', async () => {
		const before = await contactNames();
		const junk = await runUmbra(['import', '-', '--yes', ...common], {env, input: '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64 at all\n-----END PGP PUBLIC KEY BLOCK-----\n'});
		assert.equal(junk.code, exitCodes.refused);
		assert.match(junk.stderr, /not a readable OpenPGP key/);

		const short = await runUmbra(['import', '0x1234ABCD', '--yes', ...common], {env});
		assert.equal(short.code, exitCodes.refused);
		assert.match(short.stderr, /short \(8-hex\) key ID/);

		const unconfirmed = await runUmbra(['import', '-', ...common], {env, input: fixtureText('alice.pub.asc')});
		assert.equal(unconfirmed.code, exitCodes.usage);
		assert.match(unconfirmed.stderr, /--yes/);
		assert.deepEqual(await contactNames(), before);
	});

	it('says what is wrong with a key file (missing, a directory, no key) before asking anything', async () => {
		const before = await contactNames();
		const junkFile = join(folder.path, 'junk.txt');
		writeFileSync(junkFile, 'not a key\n');
		// Without --yes and a terminal: the file's problem is the answer, not the missing terminal.
		const cases: Array<[string, RegExp]> = [
			[join(folder.path, 'missing.asc'), /missing\.asc: there is no such file/],
			['nope', /nope: there is no such file/],
			[folder.path, /it is a directory/],
			[junkFile, /not a readable OpenPGP key|holds no public key/],
		];
		for (const [argument, expected] of cases) {
			const result = await runUmbra(['import', argument, ...common], {env})
			assert.notEqual(result.code, exitCodes.ok, argument);
			assert.match(result.stderr, expected, argument);
			assert.doesNotMatch(result.stderr, /no terminal|Not a key ID|ENOENT/, argument);
			assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
		}

		const missing = await runUmbra(['import', 'nope', '--yes', ...common], {env});
		assert.equal(missing.code, exitCodes.usage);
		assert.match(missing.stderr, /^umbra: Cannot read nope: there is no such file\./);
		assert.deepEqual(await contactNames(), before);
	});

	it('lists, renames and removes contacts', async () => {
		const listed = await runUmbra(['contacts', 'list', ...common], {env});
		assert.equal(listed.code, exitCodes.ok, listed.stderr);
		const bob = await fixtureCertificate('bob');
		const bobRow = listed.stdout.split('\n').find(row => row.startsWith('Bob '));
		assert.ok(bobRow, listed.stdout);
		assert.ok(bobRow.includes(bob.fingerprint.match(/.{4}/g)!.join(' ')), listed.stdout);
		assert.ok(bobRow.includes(bob.keyId));
		assert.match(listed.stdout, /^NAME +FINGERPRINT +KEY ID/);

		const renamed = await runUmbra(['contacts', 'rename', 'bob', 'Robert', ...common], {env});
		assert.equal(renamed.code, exitCodes.ok, renamed.stderr);
		assert.match(renamed.stdout, /Renamed Bob to Robert/);
		const clash = await runUmbra(['contacts', 'rename', 'Alice', 'ROBERT', ...common], {env});
		assert.equal(clash.code, exitCodes.usage);
		assert.match(clash.stderr, /already have a contact named "ROBERT"/);

		// Removing deletes the conversation: with no terminal to ask on, only --yes does it.
		const unconfirmed = await runUmbra(['contacts', 'remove', 'Carol', ...common], {env});
		assert.equal(unconfirmed.code, exitCodes.usage);
		assert.match(unconfirmed.stderr, /pass --yes/);
		assert.deepEqual(await contactNames(), ['Alice', 'Carol', 'Mallory', 'Nameless', 'Robert']);
		const removed = await runUmbra(['contacts', 'remove', 'Carol', '--yes', ...common], {env});
		assert.equal(removed.code, exitCodes.ok, removed.stderr);
		const missing = await runUmbra(['contacts', 'remove', 'Carol', '--yes', ...common], {env});
		assert.equal(missing.code, exitCodes.notFound);
		assert.match(missing.stderr, /no contact named "Carol"/);
		assert.deepEqual(await contactNames(), ['Alice', 'Mallory', 'Nameless', 'Robert']);
	});
});
