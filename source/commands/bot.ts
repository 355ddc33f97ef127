// umbra bot: the engine without a TUI, NDJSON events on stdout and commands on stdin
// (source/bot). Stdin carries commands, so the passphrase cannot be asked on it: it comes from
// --passphrase-file or UMBRA_PASSPHRASE. SIGINT/SIGTERM abort context.signal; the bot then says
// bye, the engine stops, the store is closed, and the exit code is 0.
import {runBot} from '../bot/bot.js';
import {HookPool} from '../bot/exec-hook.js';
import {maxMessageTextBytes, openEngine} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {booleanFlag, numberFlag, stringFlag, stringsFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, debugFlag, passphraseFileFlag, presenceFlag} from './common-flags.js';
import {networkFlags, networkOptions} from './network-flags.js';
import {debugOption, openProfileFor, presenceOption} from './open.js';


const hookConcurrency = 4;
const hookQueue = 100;

function requireUnattendedPassphrase(context: CommandContext): void {
	if (stringFlag(context, 'passphraseFile') === undefined && !context.env['UMBRA_PASSPHRASE']) {
		throw new UsageError('umbra bot reads commands on standard input, so it cannot ask for the passphrase there: pass --passphrase-file FILE or set UMBRA_PASSPHRASE.');
	}
}

export const botCommand: Command = {
	name: 'bot',
	usage: 'umbra bot [--echo | --exec CMD] [--accept-from NAME]... [--output json|text]',
	summary: 'Run headless: JSON events on stdout, JSON commands on stdin',
	description: [
		'Runs the engine without the terminal interface. Each event (ready, tor progress, contact presence,',
		'message received, message state, error, ...) is one JSON object per line on standard output;',
		'commands (send, presence, status, hide, show, add, contacts, quit) are read one JSON object per line',
		'from standard input. See BOT in umbra(1) for every field. SIGTERM or SIGINT: bye to contacts, exit 0.',
	].join('\n'),
	flags: {
		dataDir: dataDirFlag,
		passphraseFile: {...passphraseFileFlag, description: 'Read the passphrase from the first line of FILE (or set UMBRA_PASSPHRASE; the bot never asks)'},
		...networkFlags,
		output: {type: 'string', valueName: 'FORMAT', choices: ['json', 'text'], default: 'json', description: 'json: one JSON object per line; text: lines for people, peer text stripped of control characters'},
		echo: {type: 'boolean', description: 'Reply to each message with its own text'},
		exec: {type: 'string', valueName: 'CMD', description: 'Reply to each message with the standard output of /bin/sh -c CMD (text on its stdin, sender in UMBRA_CONTACT, UMBRA_FINGERPRINT; no secrets in its environment)'},
		execTimeout: {type: 'number', valueName: 'SECONDS', default: 30, description: 'Kill an --exec command that runs longer; the message gets no reply and an error event'},
		acceptFrom: {type: 'string', isMultiple: true, valueName: 'NAME', description: 'Answer (--echo, --exec) only this contact (repeatable; default: every contact)'},
		presence: presenceFlag,
		status: {type: 'string', valueName: 'TEXT', description: 'Status text to show contacts'},
		debug: debugFlag,
	},
	async run(context) {
		const exec = stringFlag(context, 'exec');
		const echo = booleanFlag(context, 'echo');
		if (exec !== undefined && echo) {
			throw new UsageError('--echo and --exec both say how to reply; pick one.');
		}

		if (exec?.trim() === '') {
			throw new UsageError('--exec needs a command, e.g. --exec "fortune -s".');
		}

		const execTimeout = numberFlag(context, 'execTimeout') ?? 30;
		if (!(execTimeout > 0)) {
			throw new UsageError('--exec-timeout must be a positive number of seconds.');
		}

		requireUnattendedPassphrase(context);
		const network = networkOptions(context);
		const profile = await openProfileFor(context);
		try {
			const acceptFrom = stringsFlag(context, 'acceptFrom');
			const names = new Set(profile.store.listContacts().flatMap(contact => [contact.name, contact.fingerprint]));
			for (const name of acceptFrom) {
				if (!names.has(name) && !names.has(name.replaceAll(/\s/g, '').toUpperCase())) {
					context.stderr.write(`umbra bot: --accept-from ${name}: no such contact yet; it will be answered once added under that name.\n`);
				}
			}

			const engine = await openEngine({profile, ...network, ...presenceOption(context), ...debugOption(context)});
			const hooks = exec === undefined ? undefined : new HookPool({command: exec, env: context.env, timeoutMs: execTimeout * 1000, concurrency: hookConcurrency, maxQueue: hookQueue, maxReplyBytes: maxMessageTextBytes});
			const status = stringFlag(context, 'status');
			await runBot({
				engine,
				input: context.stdin,
				output: context.stdout,
				diagnostics: context.stderr,
				config: {reply: exec === undefined ? (echo ? 'echo' : 'none') : 'exec', acceptFrom},
				format: stringFlag(context, 'output') === 'text' ? 'text' : 'json',
				...(hooks ? {hooks} : {}),
				...(status === undefined ? {} : {status}),
				signal: context.signal,
			});
		} finally {
			profile.close();
		}

		return exitCodes.ok;
	},
};
