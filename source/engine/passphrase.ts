// Where the passphrase comes from, in order: --passphrase-file, then UMBRA_PASSPHRASE, then a
// prompt on the terminal without echo. Bots use the first two; people the third.
//
// A passphrase file readable by group or others is refused, as ssh refuses such a private key:
// anyone who can read it can unlock the identity, and a warning scrolls past unread in a bot's
// log. Pipes and process substitution (--passphrase-file <(pass umbra)) are fine.
import {readFileSync, statSync} from 'node:fs';
import process from 'node:process';

export class PassphraseError extends Error {
	override name = 'PassphraseError';
}

/** The user pressed Ctrl-C or Ctrl-D at the prompt. */
export class PromptCancelledError extends PassphraseError {
	override name = 'PromptCancelledError';
	constructor() {
		super('Cancelled at the passphrase prompt.');
	}
}

export const passphraseEnvironmentVariable = 'UMBRA_PASSPHRASE';

export type PassphraseSource = 'file' | 'env' | 'prompt';

/** The parts of a TTY stream the prompt needs; a test passes a fake. */
export type PromptInput = NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown; isRaw?: boolean};
export type PromptOutput = {write(text: string): unknown};

export type ReadPassphraseOptions = {
	passphraseFile?: string;
	env: NodeJS.ProcessEnv;
	/** Asks for a line without echo; production default: promptHidden on stdin/stderr if stdin is a TTY. */
	prompt?: (question: string) => Promise<string>;
	/** A new passphrase is being chosen: refuse an empty one, and ask twice at the prompt. */
	confirm?: boolean;
	/** Used by the default prompt; production defaults: process.stdin and process.stderr. */
	input?: PromptInput;
	output?: PromptOutput;
};

export type PassphraseResult = {passphrase: string; source: PassphraseSource};

export async function readPassphrase(options: ReadPassphraseOptions): Promise<PassphraseResult> {
	const {passphraseFile, env, confirm = false} = options;
	let result: PassphraseResult;
	if (passphraseFile !== undefined) {
		result = {passphrase: readPassphraseFile(passphraseFile), source: 'file'};
	} else if (env[passphraseEnvironmentVariable] !== undefined) {
		result = {passphrase: env[passphraseEnvironmentVariable], source: 'env'};
	} else {
		result = {passphrase: await promptForPassphrase(options), source: 'prompt'};
	}

	if (confirm && result.passphrase === '') {
		throw new PassphraseError(`An empty passphrase would leave your secret key and history readable by anyone who copies ${result.source === 'prompt' ? 'them' : 'your files'}. Choose a passphrase.`);
	}

	return result;
}

async function promptForPassphrase({prompt, confirm = false, input = process.stdin, output = process.stderr}: ReadPassphraseOptions): Promise<string> {
	let ask = prompt;
	if (ask === undefined) {
		if (input.isTTY !== true || typeof input.setRawMode !== 'function') {
			throw new PassphraseError(`No passphrase: pass --passphrase-file FILE or set ${passphraseEnvironmentVariable} (there is no terminal to ask on).`);
		}

		ask = async question => promptHidden(question, {input, output});
	}

	if (!confirm) {
		return ask('Passphrase: ');
	}

	const first = await ask('New passphrase: ');
	if (first === '') {
		return first;
	}

	const second = await ask('Repeat the passphrase: ');
	if (first !== second) {
		throw new PassphraseError('The two passphrases differ. Run the command again and type the same passphrase twice.');
	}

	return first;
}

/** The first line of the file, without its line ending. */
export function readPassphraseFile(path: string): string {
	let stats;
	try {
		stats = statSync(path);
	} catch (error) {
		throw new PassphraseError(`Cannot read the passphrase file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}. Check the path given to --passphrase-file.`);
	}

	if (stats.isFile() && (stats.mode & 0o044) !== 0) {
		throw new PassphraseError(`The passphrase file ${path} is readable by other users (mode ${(stats.mode & 0o777).toString(8)}); umbra will not use it. Run: chmod 600 ${path}`);
	}

	if (stats.isDirectory()) {
		throw new PassphraseError(`The passphrase file ${path} is a directory. Give --passphrase-file the path of a file whose first line is the passphrase.`);
	}

	const text = readFileSync(path, 'utf8');
	const newline = text.search(/\r?\n/);
	return newline === -1 ? text : text.slice(0, newline);
}

export type PromptHiddenOptions = {input: PromptInput; output: PromptOutput};

/**
 * Reads one line from a TTY in raw mode without echoing it. Backspace deletes one character,
 * Ctrl-U the whole line; Ctrl-C, and Ctrl-D on an empty line, cancel; other control keys and
 * escape sequences (arrows, function keys) are ignored rather than typed into the passphrase.
 */
export async function promptHidden(question: string, {input, output}: PromptHiddenOptions): Promise<string> {
	if (typeof input.setRawMode !== 'function') {
		throw new PassphraseError('Cannot hide typing: the input is not a terminal.');
	}

	const wasRaw = input.isRaw === true;
	output.write(question);
	input.setRawMode(true);
	input.resume();
	return new Promise<string>((resolve, reject) => {
		let characters: string[] = [];
		let inEscape = false;
		const finish = (error: Error | undefined) => {
			input.removeListener('data', onData);
			input.setRawMode?.(wasRaw);
			input.pause();
			output.write('\n');
			if (error) {
				reject(error);
			} else {
				resolve(characters.join(''));
			}

			characters = [];
		};

		const onData = (chunk: Buffer | string) => {
			for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
				if (inEscape) {
					// CSI and SS3 sequences end in a letter or '~'; the '[' or 'O' after ESC does not.
					if (/[A-Za-z~]/.test(character) && character !== 'O') {
						inEscape = false;
					}

					continue;
				}

				switch (character) {
					case '\r':
					case '\n': {
						finish(undefined);
						return;
					}

					case '\u0003': {
						finish(new PromptCancelledError());
						return;
					}

					case '\u0004': {
						if (characters.length === 0) {
							finish(new PromptCancelledError());
							return;
						}

						break;
					}

					case '\u007F':
					case '\b': {
						characters.pop();
						break;
					}

					case '\u0015': {
						characters = [];
						break;
					}

					case '\u001B': {
						inEscape = true;
						break;
					}

					default: {
						if (character >= ' ') {
							characters.push(character);
						}
					}
				}
			}
		};

		input.on('data', onData);
	});
}
