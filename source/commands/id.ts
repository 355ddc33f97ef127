// umbra id: the own fingerprint (what contacts compare aloud), long key ID (what they type into
// `umbra import`) and user ID; --export prints the public key for `gpg --import` or a contact's
// `umbra import FILE`. Only public parts are printed, and only on standard output. They are read
// without the passphrase and without the lock, as `gpg --list-keys` does: the secret key file
// keeps them in the clear, and `umbra id` should work while a chat or bot runs.
import {readProfileIdentity, stripControl} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {booleanFlag, UsageError, type Command} from './command.js';
import {dataDirFlag} from './common-flags.js';
import {identityLines} from './identity-lines.js';
import {dataDirFor} from './open.js';

export const idCommand: Command = {
	name: 'id',
	usage: 'umbra id [--export]',
	summary: 'Show your fingerprint, key ID and user ID, or export your public key',
	description: [
		'Prints the fingerprint of your identity in groups of four (read it to your contacts so they can check',
		'it), its long key ID (what they give to umbra import) and your user ID. With --export, prints your',
		'public key in ASCII armor instead: umbra id --export > me.asc, then gpg --import me.asc or umbra import me.asc.',
		'It needs no passphrase (only public parts are read) and works while umbra runs.',
	].join('\n'),
	flags: {
		export: {type: 'boolean', description: 'Print your public key (ASCII armor, as gpg --import takes it) instead'},
		dataDir: dataDirFlag,
	},
	async run(context) {
		if (context.input.length > 0) {
			throw new UsageError(`umbra id takes no arguments (got "${stripControl(context.input[0]!)}"). Run \`umbra id --help\`.`);
		}

		const identity = await readProfileIdentity(dataDirFor(context));
		context.stdout.write(booleanFlag(context, 'export') ? identity.armoredPublicKey : identityLines(identity));
		return exitCodes.ok;
	},
};
