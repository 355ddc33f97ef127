// umbra init: makes the identity (or imports a GnuPG secret key) and the empty encrypted store.
// Everything that can be refused cheaply (an identity already there, a missing user ID without a
// terminal, conflicting flags) is refused before the passphrase is asked, so nobody types a new
// passphrase twice only to hear the directory was taken.
import {existsSync, rmdirSync} from 'node:fs';
import {checkUserId, createProfile, hasIdentity, IdentityExistsError, InvalidUserIdError, importProfile, prepareDataDirectory, stripControl, type Profile} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {askLine, readKeyInput} from './ask.js';
import {stringFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, passphraseFileFlag} from './common-flags.js';
import {identityLines} from './identity-lines.js';
import {dataDirFor, passphraseFor} from './open.js';
import {readPassphraseFile} from './passphrase.js';

async function userIdFor(context: CommandContext): Promise<string> {
	const given = stringFlag(context, 'userId');
	if (given !== undefined) {
		return given;
	}

	if (!context.stdin.isTTY) {
		throw new UsageError('Say who you are: umbra init --user-id "Your Name <you@example.org>" (there is no terminal to ask on).');
	}

	context.stderr.write('Your contacts see your user ID when they add you, e.g. "Alice <alice@example.org>".\n');
	return askLine(context, 'User ID: ');
}

async function makeProfile(context: CommandContext, dataDir: string, source: string | undefined, keyPassphraseFile: string | undefined): Promise<Profile> {
	if (source === undefined) {
		const userId = (await userIdFor(context)).trim();
		if (userId === '') {
			throw new UsageError('The user ID is empty. Give one like "Alice <alice@example.org>" (a name alone is fine too).');
		}

		try {
			checkUserId(userId);
		} catch (error) {
			throw error instanceof InvalidUserIdError ? new UsageError(error.message) : error;
		}

		const passphrase = await passphraseFor(context, {confirm: true});
		context.stderr.write('Making your key...\n');
		return createProfile({dataDir, passphrase, userId});
	}

	const secretKey = await readKeyInput(context, source, 'a GnuPG secret key (gpg --export-secret-keys --armor FINGERPRINT)');
	const keyPassphrase = keyPassphraseFile === undefined ? undefined : readPassphraseFile(keyPassphraseFile);
	const passphrase = await passphraseFor(context, {confirm: true});
	return importProfile({dataDir, passphrase, secretKey, ...(keyPassphrase === undefined ? {} : {keyPassphrase})});
}

function removeEmptyDirectory(path: string): void {
	try {
		rmdirSync(path);
	} catch {
		// Not empty (something of the user's is there) or already gone: leave it.
	}
}

export const initCommand: Command = {
	name: 'init',
	usage: 'umbra init [--user-id "NAME <EMAIL>"] | umbra init --import FILE|-',
	summary: 'Create your identity, or import one from GnuPG',
	description: [
		'Creates your identity: an OpenPGP key (Ed25519 for signing, Curve25519 for encryption) with the user ID',
		'you choose, protected by a new passphrase (asked twice; --passphrase-file or UMBRA_PASSPHRASE for',
		'scripts), and an empty encrypted store. With --import, takes a GnuPG secret key instead',
		'(gpg --export-secret-keys --armor FINGERPRINT > key.asc), unlocked with the same passphrase unless',
		'--key-passphrase-file gives its own. Refuses to replace an identity that is already there.',
	].join('\n'),
	flags: {
		userId: {type: 'string', valueName: '"NAME <EMAIL>"', description: 'Your user ID (default: asked on the terminal)'},
		import: {type: 'string', valueName: 'FILE|-', description: 'Import a GnuPG secret key (gpg --export-secret-keys --armor) from FILE, or - for standard input'},
		keyPassphraseFile: {type: 'string', valueName: 'FILE', description: 'With --import: the GnuPG key\'s passphrase is the first line of FILE (default: the umbra passphrase)'},
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
	},
	async run(context) {
		let source = stringFlag(context, 'import');
		let input = context.input;
		// meow (yargs-parser) reads `--import -` as an empty --import followed by the argument "-".
		if (source === '' && input[0] === '-') {
			source = '-';
			input = input.slice(1);
		}

		if (input.length > 0) {
			throw new UsageError(`umbra init takes no arguments (got "${stripControl(input[0]!)}"). To import a key: umbra init --import FILE.`);
		}

		const keyPassphraseFile = stringFlag(context, 'keyPassphraseFile');
		if (source !== undefined && stringFlag(context, 'userId') !== undefined) {
			throw new UsageError('--user-id and --import do not go together: an imported key keeps its own user IDs. Drop --user-id.');
		}

		if (source === undefined && keyPassphraseFile !== undefined) {
			throw new UsageError('--key-passphrase-file is for --import only. Drop it, or add --import FILE.');
		}

		if (source === '') {
			throw new UsageError('--import needs a file name, or - for standard input.');
		}

		const dataDir = dataDirFor(context);
		if (hasIdentity(dataDir)) {
			throw new IdentityExistsError(dataDir);
		}

		// An unusable directory is an error now, before any question; one made here goes again
		// when init fails, so a cancelled or failed init leaves nothing behind.
		const made = !existsSync(dataDir);
		prepareDataDirectory(dataDir);
		let profile: Profile;
		try {
			profile = await makeProfile(context, dataDir, source, keyPassphraseFile);
		} catch (error) {
			if (made) {
				removeEmptyDirectory(dataDir);
			}

			throw error;
		}

		try {
			context.stdout.write(`${source === undefined ? 'Created' : 'Imported'} your identity in ${dataDir}:\n${identityLines(profile.identity)}`);
			context.stderr.write('Give your key ID to your contacts (or your key: umbra id --export > me.asc); add theirs with umbra import.\n');
		} finally {
			profile.close();
		}

		return exitCodes.ok;
	},
};
