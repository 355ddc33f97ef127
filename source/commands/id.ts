// umbra id: the own fingerprint (what contacts compare aloud), long key ID (what they type into
// `umbra import`) and user ID; --export prints the public key for `gpg --import` or a contact's
// `umbra import FILE`. Only public parts are printed, and only on standard output.
import {exportPublicKey, formatFingerprint, stripControl, type Profile} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {booleanFlag, UsageError, type Command} from './command.js';
import {dataDirFlag, passphraseFileFlag} from './common-flags.js';
import {openProfileFor} from './open.js';

/** The three lines init and id print. */
export function identityLines(identity: Profile['identity']): string {
	return [
		`fingerprint  ${formatFingerprint(identity.fingerprint)}`,
		`key ID       ${identity.keyId}`,
		`user ID      ${identity.userId === '' ? '(none)' : stripControl(identity.userId)}`,
	].map(line => `  ${line}\n`).join('');
}

export const idCommand: Command = {
	name: 'id',
	usage: 'umbra id [--export]',
	summary: 'Show your fingerprint, key ID and user ID, or export your public key',
	description: [
		'Prints the fingerprint of your identity in groups of four (read it to your contacts so they can check',
		'it), its long key ID (what they give to umbra import) and your user ID. With --export, prints your',
		'public key in ASCII armor instead: umbra id --export > me.asc, then gpg --import me.asc or umbra import me.asc.',
	].join('\n'),
	flags: {
		export: {type: 'boolean', description: 'Print your public key (ASCII armor, as gpg --import takes it) instead'},
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
	},
	async run(context) {
		if (context.input.length > 0) {
			throw new UsageError(`umbra id takes no arguments (got "${stripControl(context.input[0]!)}"). Run \`umbra id --help\`.`);
		}

		const profile = await openProfileFor(context);
		try {
			context.stdout.write(booleanFlag(context, 'export') ? exportPublicKey(profile.identity) : identityLines(profile.identity));
		} finally {
			profile.close();
		}

		return exitCodes.ok;
	},
};
