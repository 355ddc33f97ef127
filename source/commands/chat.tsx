// umbra chat (and `umbra` with no command): the terminal interface. First run: create or import
// an identity; later: unlock it; then the chat screen with the engine running, until /quit or
// Ctrl-C (contacts get their bye, the store is closed, the lock released).
import {exportPublicKey, openEngine, type Profile} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {booleanFlag, stringFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, debugFlag, passphraseFileFlag, presenceFlag} from './common-flags.js';
import {networkFlags, networkOptions} from './network-flags.js';
import {dataDirFor, presenceOption} from './open.js';
import {passphraseEnvironmentVariable, readPassphraseFile} from './passphrase.js';

function givenPassphrase(context: CommandContext): string | undefined {
	const file = stringFlag(context, 'passphraseFile');
	if (file !== undefined) {
		return readPassphraseFile(file);
	}

	const fromEnvironment = context.env[passphraseEnvironmentVariable];
	return fromEnvironment === undefined || fromEnvironment === '' ? undefined : fromEnvironment;
}


export const chatCommand: Command = {
	name: 'chat',
	usage: 'umbra [chat]',
	summary: 'The terminal interface (what `umbra` alone runs)',
	description: [
		'Opens the chat screen: contacts and their presence, the conversation, a status bar and an input line.',
		'On the first run it creates an identity or imports a GnuPG secret key; later it asks for the passphrase.',
		'Type /help or press F1 for the keys and commands. Needs a terminal; scripts use umbra bot.',
	].join('\n'),
	flags: {
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
		...networkFlags,
		presence: presenceFlag,
		debug: debugFlag,
	},
	async run(context) {
		if (context.input.length > 0) {
			throw new UsageError(`umbra chat takes no arguments, not "${context.input[0]}". Run \`umbra --help\` for the commands.`);
		}

		if (!context.stdin.isTTY || !context.stdout.isTTY) {
			throw new UsageError('umbra chat needs a terminal on standard input and output. For scripts, use `umbra bot` or `umbra send`.');
		}

		// Bad flags are usage errors before anything is asked.
		const network = networkOptions(context);
		// React and Ink load only here: the other commands (send, bot, status) start without them.
		const {runChat, runSetup} = await import('../screens/index.js');
		const profile: Profile | undefined = await runSetup({dataDir: dataDirFor(context), passphrase: givenPassphrase(context), noColor: 'NO_COLOR' in context.env, stdin: context.stdin, stdout: context.stdout, stderr: context.stderr});
		if (!profile) {
			return exitCodes.ok;
		}

		try {
			// Debug lines go to standard error: over the screen unless redirected (umbra --debug 2>debug.log).
			const debug = booleanFlag(context, 'debug') ? (line: string) => context.stderr.write(`${line}\n`) : undefined;
			const engine = await openEngine({profile, ...network, ...presenceOption(context), ...(debug ? {debug} : {})});
			// The screen shows Tor's progress while the engine starts, and a failed start.
			const startup = engine.start();
			startup.catch(() => undefined);
			const settings = profile.settings.all();
			await runChat({
				engine,
				stdin: context.stdin,
				stdout: context.stdout,
				stderr: context.stderr,
				settings: {autoAwayMinutes: settings.autoAwayMinutes, bell: settings.bell},
				exportPublicKey: () => exportPublicKey(profile.identity),
				signal: context.signal,
				noColor: 'NO_COLOR' in context.env,
				startup,
			});
			return exitCodes.ok;
		} finally {
			profile.close();
		}
	},
};
