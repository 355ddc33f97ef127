// umbra init, init --import and id, run as the built CLI, against a real gpg: the exported key
// imports into gpg with the same fingerprint, gpg-made keys import into umbra, and the refusals
// (no encryption subkey, wrong passphrase, an identity already there) exit with their codes and
// leave the data directory as it was. id reads only public parts: no passphrase, no lock.
import assert from 'node:assert/strict';
import {chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {openProfile} from '../../source/engine/index.js';
import {exitCodes} from '../../source/exit-codes.js';
import {fingerprintOf, makeGnupgHome, type GnupgHome} from '../helpers/gnupg.js';
import {secretPacketProtections} from '../helpers/s2k-packets.js';
import {fingerprintIn, passphraseFile, runUmbra, temporaryFolder} from './run-umbra.js';

const passphrase = 'correct horse battery';
const gpgPassphrase = 'gpg key passphrase';
const env = {UMBRA_PASSPHRASE: passphrase};

describe('umbra init and umbra id', () => {
	const folder = temporaryFolder('identity');
	let gnupg: GnupgHome;
	let ginaFingerprint = '';
	let sidFingerprint = '';

	before(() => {
		gnupg = makeGnupgHome();
		const pass = ['--passphrase', gpgPassphrase];
		gnupg.gpg([...pass, '--quick-gen-key', 'Gina Gpg <gina@example.org>', 'ed25519', 'cert,sign', 'never']);
		ginaFingerprint = fingerprintOf(gnupg, 'gina@example.org');
		gnupg.gpg([...pass, '--quick-add-key', ginaFingerprint, 'cv25519', 'encr', 'never']);
		gnupg.gpg([...pass, '--quick-gen-key', 'Sid Signonly <sid@example.org>', 'ed25519', 'cert,sign', 'never']);
		sidFingerprint = fingerprintOf(gnupg, 'sid@example.org');
	});

	after(() => {
		gnupg?.close();
		folder.remove();
	});

	it('refuses a user ID openpgp cannot use as a usage error with the format, before any passphrase, leaving nothing', async () => {
		const dataDir = join(folder.path, 'bad-user-id');
		// No UMBRA_PASSPHRASE and no terminal: asking for one would fail differently.
		const result = await runUmbra(['init', '--user-id', '<bob@x>', '--data-dir', dataDir]);
		assert.equal(result.code, exitCodes.usage, result.stderr);
		assert.match(result.stderr, /^umbra: Not a user ID umbra can use: "bob@x" is not an email address.*"Alice Doe <alice@example\.org>"/);
		assert.doesNotMatch(result.stderr, /Invalid user ID format|assphrase/);
		assert.equal(existsSync(dataDir), false, 'no data directory left behind');
	});

	it('makes store.db and its WAL readable by the owner only, and tightens an old 0644 store', async () => {
		const dataDir = join(folder.path, 'modes');
		const made = await runUmbra(['init', '--user-id', 'Mo <mo@example.org>', '--data-dir', dataDir], {env});
		assert.equal(made.code, exitCodes.ok, made.stderr);
		const modes = () => Object.fromEntries(readdirSync(dataDir).filter(name => name.startsWith('store.db')).map(name => [name, (statSync(join(dataDir, name)).mode & 0o777).toString(8)]));
		assert.deepEqual(modes(), {'store.db': '600'});
		chmodSync(join(dataDir, 'store.db'), 0o644);
		const profile = await openProfile({dataDir, passphrase});
		try {
			assert.ok(Object.keys(modes()).includes('store.db-wal'), 'the WAL is there while open');
			assert.ok(Object.values(modes()).every(mode => mode === '600'), JSON.stringify(modes()));
		} finally {
			profile.close();
		}
	});

	it('creates an identity, shows it, exports it for gpg, and refuses a second init', async () => {
		const dataDir = join(folder.path, 'made');
		const made = await runUmbra(['init', '--user-id', 'Ursula Umbra <ursula@example.org>', '--data-dir', dataDir], {env});
		assert.equal(made.code, exitCodes.ok, made.stderr);
		const fingerprint = fingerprintIn(made.stdout);
		assert.match(made.stdout, /fingerprint {2}([\dA-F]{4} ){9}[\dA-F]{4}\n/);
		assert.match(made.stdout, new RegExp(`key ID {7}${fingerprint.slice(-16)}\\n`));
		assert.match(made.stdout, /user ID {6}Ursula Umbra <ursula@example\.org>\n/);
		// The key file costs a guesser what the store does: Argon2 (S2K type 4) over 128 MiB.
		const protections = await secretPacketProtections(readFileSync(join(dataDir, 'identity.asc'), 'utf8'));
		assert.deepEqual(protections.map(packet => [packet.s2kType, packet.argon2]), [4, 4].map(type => [type, {passes: 3, parallelism: 4, memoryExponent: 17}]));

		// id says the same with no passphrase at all, while another process holds the profile open.
		const open = await openProfile({dataDir, passphrase});
		try {
			const shown = await runUmbra(['id', '--data-dir', dataDir]);
			assert.equal(shown.code, exitCodes.ok, shown.stderr);
			assert.equal(shown.stdout, made.stdout.slice(made.stdout.indexOf('\n') + 1));
			assert.doesNotMatch(shown.stderr, /assphrase/, 'nothing asked for a passphrase');
		} finally {
			open.close();
		}

		// A command that needs the store unlocks with the passphrase from a file.
		const file = passphraseFile(folder.path, 'pass', passphrase);
		const listed = await runUmbra(['contacts', '--data-dir', dataDir, '--passphrase-file', file]);
		assert.equal(listed.code, exitCodes.ok, listed.stderr);
		assert.match(listed.stderr, /No contacts yet/);

		const exported = await runUmbra(['id', '--export', '--data-dir', dataDir], {env});
		assert.equal(exported.code, exitCodes.ok, exported.stderr);
		assert.match(exported.stdout, /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
		assert.doesNotMatch(exported.stdout, /PRIVATE/);
		gnupg.gpg(['--import'], exported.stdout);
		assert.equal(fingerprintOf(gnupg, 'ursula@example.org'), fingerprint);

		const again = await runUmbra(['init', '--user-id', 'Other <other@example.org>', '--data-dir', dataDir], {env});
		assert.equal(again.code, exitCodes.noIdentity);
		assert.match(again.stderr, /already holds an umbra identity/);
		const still = await runUmbra(['id', '--data-dir', dataDir], {env});
		assert.equal(fingerprintIn(still.stdout), fingerprint, 'the first identity is untouched');
	});

	it('says wrong passphrase with its own exit code', async () => {
		const dataDir = join(folder.path, 'wrong');
		assert.equal((await runUmbra(['init', '--user-id', 'Wanda', '--data-dir', dataDir], {env})).code, exitCodes.ok);
		const wrong = await runUmbra(['contacts', '--data-dir', dataDir], {env: {UMBRA_PASSPHRASE: 'not it'}});
		assert.equal(wrong.code, exitCodes.wrongPassphrase);
		assert.match(wrong.stderr, /Wrong passphrase/);
		assert.equal(wrong.stdout, '');
		assert.equal((await runUmbra(['contacts', '--data-dir', dataDir], {env})).code, exitCodes.ok, 'the right one still opens it');
	});

	it('refuses an empty passphrase, and a missing user ID when there is no terminal, creating nothing', async () => {
		const dataDir = join(folder.path, 'refused');
		const empty = await runUmbra(['init', '--user-id', 'Ed', '--data-dir', dataDir], {env: {UMBRA_PASSPHRASE: ''}});
		assert.equal(empty.code, exitCodes.wrongPassphrase);
		assert.match(empty.stderr, /Choose a passphrase/);
		const noUserId = await runUmbra(['init', '--data-dir', dataDir], {env});
		assert.equal(noUserId.code, exitCodes.usage);
		assert.match(noUserId.stderr, /--user-id/);
		assert.equal((await runUmbra(['id', '--data-dir', dataDir], {env})).code, exitCodes.noIdentity, 'nothing was created');
	});

	it('imports a gpg key (ed25519 + cv25519) whose passphrase differs, from a file and from standard input', async () => {
		const secret = gnupg.gpg(['--passphrase', gpgPassphrase, '--armor', '--export-secret-keys', ginaFingerprint]).stdout.toString('utf8');
		const keyFile = join(folder.path, 'gina.sec.asc');
		writeFileSync(keyFile, secret, {mode: 0o600});
		const keyPassphrase = passphraseFile(folder.path, 'gpg-pass', gpgPassphrase);

		const fromFile = join(folder.path, 'gina-file');
		const imported = await runUmbra(['init', '--import', keyFile, '--key-passphrase-file', keyPassphrase, '--data-dir', fromFile], {env});
		assert.equal(imported.code, exitCodes.ok, imported.stderr);
		assert.equal(fingerprintIn(imported.stdout), ginaFingerprint);
		assert.match(imported.stdout, /user ID {6}Gina Gpg <gina@example\.org>/);
		// From now on it opens with the umbra passphrase, not the gpg one.
		const shown = await runUmbra(['id', '--data-dir', fromFile], {env});
		assert.equal(shown.code, exitCodes.ok, shown.stderr);
		assert.equal(fingerprintIn(shown.stdout), ginaFingerprint);

		const fromStdin = await runUmbra(['init', '--import', '-', '--data-dir', join(folder.path, 'gina-stdin')], {env: {UMBRA_PASSPHRASE: gpgPassphrase}, input: secret});
		assert.equal(fromStdin.code, exitCodes.ok, fromStdin.stderr);
		assert.equal(fingerprintIn(fromStdin.stdout), ginaFingerprint);
	});

	it('refuses a gpg key without an encryption subkey, with the gpg command that fixes it, and a wrong key passphrase', async () => {
		const signOnly = gnupg.gpg(['--passphrase', gpgPassphrase, '--armor', '--export-secret-keys', sidFingerprint]).stdout;
		const dataDir = join(folder.path, 'sid');
		const refused = await runUmbra(['init', '--import', '-', '--data-dir', dataDir], {env: {UMBRA_PASSPHRASE: gpgPassphrase}, input: signOnly});
		assert.equal(refused.code, exitCodes.refused);
		assert.ok(refused.stderr.includes(`gpg --quick-add-key ${sidFingerprint} cv25519 encr`), refused.stderr);
		assert.equal((await runUmbra(['id', '--data-dir', dataDir], {env})).code, exitCodes.noIdentity, 'nothing was created');

		const gina = gnupg.gpg(['--passphrase', gpgPassphrase, '--armor', '--export-secret-keys', ginaFingerprint]).stdout;
		const wrong = await runUmbra(['init', '--import', '-', '--data-dir', dataDir], {env: {UMBRA_PASSPHRASE: 'not the gpg passphrase'}, input: gina});
		assert.equal(wrong.code, exitCodes.wrongPassphrase);
		assert.match(wrong.stderr, /Wrong passphrase/);
	});
});
