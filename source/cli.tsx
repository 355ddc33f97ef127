#!/usr/bin/env node
// The thin entry point: pick a command from the table, parse its flags with meow, run it, map
// failures to exit codes. process.exit lives here alone; meow exits
// by itself for --help and --version.
import {homedir} from 'node:os';
import process from 'node:process';
import meow, {type AnyFlags} from 'meow';
import {checkFlags, commands, defaultCommandName, exitCodeFor, findCommand, passphraseEnvironmentVariable, type Command, type CommandIo, type FlagSpecs, type FlagValue} from './commands/index.js';
import {exitCodes, type ExitCode} from './exit-codes.js';
import {commandHelp, generalHelp} from './help.js';

function meowFlags(specs: FlagSpecs): AnyFlags {
	const flags: AnyFlags = {};
	// Choices are checked by checkFlags, which reports them as usage errors.
	for (const [key, {type, shortFlag, isMultiple, default: fallback}] of Object.entries(specs)) {
		flags[key] = {
			type,
			...(shortFlag === undefined ? {} : {shortFlag}),
			...(isMultiple === undefined ? {} : {isMultiple}),
			...(fallback === undefined ? {} : {default: fallback}),
		} as AnyFlags[string];
	}

	return flags;
}

/**
 * The environment the command reads, with the passphrase in it; the process's own loses the
 * passphrase, so no child (tor, an --exec hook) inherits it and shows it in /proc/PID/environ.
 */
function commandEnvironment(): NodeJS.ProcessEnv {
	const env = {...process.env};
	delete process.env[passphraseEnvironmentVariable];
	return env;
}

async function main(signal: AbortSignal): Promise<ExitCode> {
	const argv = process.argv.slice(2);
	const [first] = argv;
	const named = first !== undefined && !first.startsWith('-');
	const command: Command | undefined = named ? findCommand(first) : (defaultCommandName === undefined ? undefined : findCommand(defaultCommandName));
	if (named && !command) {
		process.stderr.write(`umbra: unknown command "${first}". Run \`umbra --help\` for the list of commands.\n`);
		return exitCodes.usage;
	}

	const defaultCommand = defaultCommandName === undefined ? undefined : findCommand(defaultCommandName);
	const cli = meow(named && command ? commandHelp(command) : generalHelp(commands, defaultCommand), {
		importMeta: import.meta,
		description: false,
		argv: named ? argv.slice(1) : argv,
		flags: meowFlags(command?.flags ?? {}),
		// checkFlags reports unknown flags in umbra's own words and exit code.
		allowUnknownFlags: true,
		autoHelp: true,
		autoVersion: true,
	});

	checkFlags(command?.flags ?? {}, cli.flags as Record<string, FlagValue>, named && command ? `umbra ${command.name}` : 'umbra');
	if (!command) {
		if (cli.input.length > 0) {
			process.stderr.write(`umbra: unexpected argument "${cli.input[0]}". Run \`umbra --help\`.\n`);
			return exitCodes.usage;
		}

		cli.showHelp(exitCodes.ok);
		return exitCodes.ok;
	}

	const io: CommandIo = {stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: commandEnvironment(), homedir: homedir(), signal};
	return command.run({...io, input: cli.input, flags: cli.flags as Record<string, never>});
}

const controller = new AbortController();
let interrupts = 0;
let firstSignalAt = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
	process.on(name, () => {
		interrupts += 1;
		firstSignalAt ||= Date.now();
		// conf's when-exit re-sends the first signal to this process at once; that echo is not
		// a second signal from the user, so only one that comes later forces the exit.
		if (interrupts > 1 && Date.now() - firstSignalAt > 500) {
			// A second signal while shutting down: the user means it.
			process.exit(130);
		}

		controller.abort(new Error(`received ${name}`));
	});
}

main(controller.signal).then(
	code => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`umbra: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = exitCodeFor(error);
	},
);
