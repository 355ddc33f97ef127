// From flags to an open profile: the data directory (--data-dir, XDG), the passphrase
// (--passphrase-file, UMBRA_PASSPHRASE, else the terminal) and the profile itself. Every
// command that needs the identity or the store goes through here.
import {openProfile, ownPresenceStates, resolveDataDirectory, type OwnPresence, type Profile} from '../engine/index.js';
import {booleanFlag, stringFlag, type CommandContext} from './command.js';
import {readPassphrase} from './passphrase.js';

export function dataDirFor(context: CommandContext): string {
	const dataDir = stringFlag(context, 'dataDir');
	return resolveDataDirectory({...(dataDir === undefined ? {} : {dataDir}), env: context.env, homedir: context.homedir});
}

/** Reads the passphrase from --passphrase-file, UMBRA_PASSPHRASE or the terminal (stderr prompt). */
export async function passphraseFor(context: CommandContext, options: {confirm?: boolean} = {}): Promise<string> {
	const passphraseFile = stringFlag(context, 'passphraseFile');
	const {passphrase} = await readPassphrase({
		...(passphraseFile === undefined ? {} : {passphraseFile}),
		env: context.env,
		input: context.stdin,
		output: context.stderr,
		...(options.confirm === undefined ? {} : {confirm: options.confirm}),
	});
	return passphrase;
}

/** Opens the profile of --data-dir with the passphrase from the usual sources. */
export async function openProfileFor(context: CommandContext): Promise<Profile> {
	const dataDir = dataDirFor(context);
	return openProfile({dataDir, passphrase: await passphraseFor(context)});
}

/** openEngine's debug option from --debug: lines on standard error, only when asked for. */
export function debugOption(context: CommandContext): {debug?: (line: string) => void} {
	return booleanFlag(context, 'debug') ? {debug: line => context.stderr.write(`umbra: debug: ${line}\n`)} : {};
}

/** openEngine's presence option from --presence; unset: the engine starts in the state last set. */
export function presenceOption(context: CommandContext): {presence?: OwnPresence} {
	const presence = stringFlag(context, 'presence');
	const state = ownPresenceStates.find(known => known === presence);
	return state === undefined ? {} : {presence: state};
}
