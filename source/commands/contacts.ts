// umbra contacts: list, remove and rename contacts in the store. The engine is not running
// while a command holds the data directory's lock, so removing a contact here needs no onion
// rotation: every start of umbra makes a new onion address, and nothing is published for a
// contact that is gone.
import {certificateStatus, formatFingerprint, stripControl, type Profile, type StoredContact} from '../engine/index.js';
import {exitCodes, type ExitCode} from '../exit-codes.js';
import {confirm} from './ask.js';
import {booleanFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, passphraseFileFlag} from './common-flags.js';
import {openProfileFor} from './open.js';

/** A contact by name (ignoring case, as names are unique that way) or by its fingerprint. */
function findContact(profile: Profile, nameOrFingerprint: string): StoredContact | undefined {
	const compact = nameOrFingerprint.replaceAll(/\s/g, '').toUpperCase();
	return profile.store.getContactByName(nameOrFingerprint)
		?? (/^[\dA-F]{40}$/.test(compact) ? profile.store.getContact(compact) : undefined);
}

function notFound(context: CommandContext, name: string): ExitCode {
	context.stderr.write(`umbra contacts: there is no contact named "${stripControl(name)}". See the names with \`umbra contacts\`.\n`);
	return exitCodes.notFound;
}

/** "hidden", "key expired", "key revoked": what is not as usual about the contact. */
async function notes(contact: StoredContact): Promise<string> {
	const state = await certificateStatus(contact.certificate).then(status => status.state, () => 'expired' as const);
	return [contact.hidden ? 'hidden' : '', state === 'valid' ? '' : `key ${state}`].filter(Boolean).join(', ');
}

async function list(context: CommandContext, profile: Profile): Promise<ExitCode> {
	const contacts = profile.store.listContacts();
	if (contacts.length === 0) {
		context.stderr.write('No contacts yet. Add one with umbra import KEYID or umbra import FILE.\n');
		return exitCodes.ok;
	}

	const rows = await Promise.all(contacts.map(async contact => [stripControl(contact.name), formatFingerprint(contact.fingerprint), contact.fingerprint.slice(-16), await notes(contact)]));
	const header = ['NAME', 'FINGERPRINT', 'KEY ID', ''];
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => [...row[column]!].length)));
	for (const row of [header, ...rows]) {
		context.stdout.write(`${row.map((cell, column) => cell + ' '.repeat(widths[column]! - [...cell].length)).join('  ').trimEnd()}\n`);
	}

	return exitCodes.ok;
}

const usageText = 'umbra contacts [list | remove NAME [--yes] | rename NAME NEWNAME]';

export const contactsCommand: Command = {
	name: 'contacts',
	usage: usageText,
	summary: 'List, remove or rename contacts',
	description: [
		'With no argument (or list), shows each contact\'s name, fingerprint, key ID, "hidden" when you',
		'appear offline to them, and "key expired" or "key revoked" when umbra no longer talks to them for',
		'that reason (umbra import of a newer copy of their key brings an expired one back). remove NAME',
		'deletes the contact and your conversation with them; umbra stops publishing your address for them.',
		'rename NAME NEWNAME changes the local name (names are unique, ignoring case). NAME may also be the',
		'contact\'s fingerprint.',
	].join('\n'),
	flags: {
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
		yes: {type: 'boolean', shortFlag: 'y', description: 'remove: do not ask before deleting the contact and the conversation (for scripts)'},
	},
	async run(context) {
		const [action = 'list', ...rest] = context.input;
		const arity: Record<string, number> = {list: 0, remove: 1, rename: 2};
		const wanted = arity[action];
		if (wanted === undefined) {
			throw new UsageError(`unknown action "${stripControl(action)}" for umbra contacts. Usage: ${usageText}`);
		}

		if (rest.length !== wanted) {
			throw new UsageError(`umbra contacts ${action} takes ${wanted === 0 ? 'no arguments' : wanted === 1 ? 'one name' : 'the name and the new name'} (got ${rest.length}). Quote a name with spaces. Usage: ${usageText}`);
		}

		const profile = await openProfileFor(context);
		try {
			if (action === 'list') {
				return await list(context, profile);
			}

			const [name = '', newName = ''] = rest;
			const contact = findContact(profile, name);
			if (!contact) {
				return notFound(context, name);
			}

			const shown = stripControl(contact.name);
			if (action === 'remove') {
				if (!booleanFlag(context, 'yes')) {
					if (!context.stdin.isTTY) {
						throw new UsageError(`umbra contacts remove deletes ${shown} and your whole conversation with them; pass --yes to do it without a terminal to ask on.`);
					}

					if (!await confirm(context, `Remove ${shown} (${formatFingerprint(contact.fingerprint)}) and delete your conversation with them?`)) {
						context.stderr.write('Nothing removed.\n');
						return exitCodes.failure;
					}
				}

				profile.store.removeContact(contact.fingerprint);
				context.stdout.write(`Removed ${shown} (${formatFingerprint(contact.fingerprint)}) and your conversation with them.\n`);
			} else {
				const renamed = profile.store.renameContact(contact.fingerprint, newName);
				context.stdout.write(`Renamed ${shown} to ${stripControl(renamed.name)}.\n`);
			}

			return exitCodes.ok;
		} finally {
			profile.close();
		}
	},
};
