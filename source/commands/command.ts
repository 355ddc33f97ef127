// What a command is: its name, its help, its meow flags (each with a description, so --help and
// the man page are generated from the same table meow parses with), and run(). Commands write
// to the streams they are given and return an exit code; only source/cli.tsx exits.
import type {Readable, Writable} from 'node:stream';
import type {ExitCode} from '../exit-codes.js';

export type FlagSpec = {
	type: 'string' | 'boolean' | 'number';
	shortFlag?: string;
	isMultiple?: boolean;
	default?: string | boolean | number | string[];
	choices?: string[];
	/** How the value is named in help, e.g. DIR; none for a boolean. */
	valueName?: string;
	description: string;
};

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValue = string | boolean | number | string[] | number[] | undefined;

export type CommandIo = {
	stdin: Readable & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};
	stdout: Writable & {isTTY?: boolean; columns?: number; rows?: number};
	stderr: Writable;
	env: NodeJS.ProcessEnv;
	/** The user's home directory (for the default data directory). */
	homedir: string;
	/** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly and return. */
	signal: AbortSignal;
};

export type CommandContext = CommandIo & {
	/** Positional arguments after the command name. */
	input: string[];
	/** Parsed flags, camelCased (meow). */
	flags: Record<string, FlagValue>;
};

export type Command = {
	name: string;
	/** e.g. 'umbra import KEYID|FINGERPRINT|FILE|-' */
	usage: string;
	/** One line, for the command list. */
	summary: string;
	/** A few lines for `umbra COMMAND --help` and the man page. */
	description: string;
	flags: FlagSpecs;
	run(context: CommandContext): Promise<ExitCode>;
};

/** Kebab-case flag name as typed: dataDir -> --data-dir. */
export function flagName(key: string): string {
	return `--${key.replaceAll(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;
}

export function stringFlag(context: CommandContext, key: string): string | undefined {
	const value = context.flags[key];
	return typeof value === 'string' ? value : undefined;
}

export function numberFlag(context: CommandContext, key: string): number | undefined {
	const value = context.flags[key];
	return typeof value === 'number' ? value : undefined;
}

export function booleanFlag(context: CommandContext, key: string): boolean {
	return context.flags[key] === true;
}

export function stringsFlag(context: CommandContext, key: string): string[] {
	const value = context.flags[key];
	return Array.isArray(value) ? value.map(String) : (typeof value === 'string' ? [value] : []);
}

/** A bad command line: cli.tsx prints the message and exits with the usage code. */
export class UsageError extends Error {
	override name = 'UsageError';
}
