#!/usr/bin/env node
// The thin entry point: parse flags, pick a command, map failures to exit codes.
// process.exit lives here alone (../shared/STYLE.md, point 6).
import process from 'node:process';
import meow from 'meow';
import {helpText, flags} from './help.js';
import {exitCodes} from './exit-codes.js';

const cli = meow(helpText, {
	importMeta: import.meta,
	flags,
	allowUnknownFlags: false,
	autoHelp: true,
	autoVersion: true,
});

async function main(): Promise<number> {
	const [command] = cli.input;
	switch (command) {
		case undefined: {
			cli.showHelp(exitCodes.ok);
			return exitCodes.ok;
		}

		default: {
			process.stderr.write(`umbra: unknown command "${command}". Run \`umbra --help\` for the list of commands.\n`);
			return exitCodes.usage;
		}
	}
}

main().then(
	code => {
		process.exitCode = code;
	},
	(error: unknown) => {
		process.stderr.write(`umbra: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = exitCodes.failure;
	},
);
