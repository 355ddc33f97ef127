// The command table: cli.tsx dispatches from it, --help and man/umbra.1 are generated from it.
// A new command is one file in this folder and one line here.
import {botCommand} from './bot.js';
import {demoCommand} from './demo.js';
import {chatCommand} from './chat.js';
import type {Command} from './command.js';
import {contactsCommand} from './contacts.js';
import {idCommand} from './id.js';
import {importCommand} from './import.js';
import {initCommand} from './init.js';
import {relayCommand} from './relay.js';
import {sendCommand} from './send.js';
import {statusCommand} from './status.js';

export const commands: readonly Command[] = [
	initCommand,
	idCommand,
	importCommand,
	contactsCommand,
	botCommand,
	sendCommand,
	statusCommand,
	chatCommand,
	relayCommand,
	demoCommand,
];

/** What `umbra` with no command runs (the TUI, once it exists); undefined: show the help. */
export const defaultCommandName: string | undefined = 'chat';

export function findCommand(name: string): Command | undefined {
	return commands.find(command => command.name === name);
}

export {UsageError, type Command, type CommandContext, type CommandIo, type FlagSpec, type FlagSpecs, type FlagValue} from './command.js';
export {checkFlags} from './check-flags.js';
export {exitCodeFor} from './exit-code-for.js';
export {passphraseEnvironmentVariable} from './passphrase.js';
