// The command table: cli.tsx dispatches from it, --help and man/umbra.1 are generated from it.
// A new command is one file in this folder and one line here.
import type {Command} from './command.js';
import {contactsCommand} from './contacts.js';
import {idCommand} from './id.js';
import {importCommand} from './import.js';
import {initCommand} from './init.js';

export const commands: readonly Command[] = [
	initCommand,
	idCommand,
	importCommand,
	contactsCommand,
];

/** What `umbra` with no command runs (the TUI, once it exists); undefined: show the help. */
export const defaultCommandName: string | undefined = undefined;

export function findCommand(name: string): Command | undefined {
	return commands.find(command => command.name === name);
}

export {UsageError, type Command, type CommandContext, type CommandIo, type FlagSpec, type FlagSpecs} from './command.js';
export {exitCodeFor} from './exit-code-for.js';
