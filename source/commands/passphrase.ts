// Where the passphrase comes from, in order: --passphrase-file, then UMBRA_PASSPHRASE, then a
// prompt on the terminal without echo. Bots use the first two; people the third.
//
// A passphrase file readable by group or others is refused, as ssh refuses such a private key:
// anyone who can read it can unlock the identity, and a warning scrolls past unread in a bot's
// log. Pipes and process substitution (--passphrase-file <(pass umbra)) are fine.
//
// The prompt turns echo off before it shows the question and keeps it off until the last
// question is answered: whoever types as soon as the question appears (a person, or a program
// answering prompts) is never echoed. When standard input is not a terminal (`echo hi | umbra
// send`), the prompt opens /dev/tty, as gpg and ssh do.
import {closeSync, openSync, readFileSync, statSync} from 'node:fs';
import process from 'node:process';
import {StringDecoder} from 'node:string_decoder';
import {ReadStream, WriteStream} from 'node:tty';

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

/** A terminal to ask on, and how to let it go when the questions are done. */
export type PromptTerminal = {input: PromptInput; output: PromptOutput; release(): void};

export type ReadPassphraseOptions = {
	passphraseFile?: string;
	env: NodeJS.ProcessEnv;
	/** A new passphrase is being chosen: refuse an empty one, and ask twice at the prompt. */
	confirm?: boolean;
	/** The input and output of the default prompt (production: standard input and error). */
	input?: PromptInput;
	output?: PromptOutput;
	/**
	 * Where to ask when `input` is not a terminal. Production default: /dev/tty, the process's
	 * controlling terminal; undefined when there is none.
	 */
	openTerminal?: () => PromptTerminal | undefined;
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

function isTerminal(input: PromptInput): boolean {
	return input.isTTY === true && typeof input.setRawMode === 'function';
}

/** The controlling terminal, opened for one prompt; undefined without one (a daemon, a cron job). */
export function openControllingTerminal(): PromptTerminal | undefined {
	let readFd: number | undefined;
	let writeFd: number | undefined;
	try {
		readFd = openSync('/dev/tty', 'r');
		writeFd = openSync('/dev/tty', 'w');
	} catch {
		for (const fd of [readFd, writeFd]) {
			if (fd !== undefined) {
				closeSync(fd);
			}
		}

		return undefined;
	}

	const input = new ReadStream(readFd);
	const output = new WriteStream(writeFd);
	return {
		input,
		output,
		release() {
			input.destroy();
			output.destroy();
		},
	};
}

async function promptForPassphrase({confirm = false, input = process.stdin, output = process.stderr, openTerminal = openControllingTerminal}: ReadPassphraseOptions): Promise<string> {
	const terminal: PromptTerminal | undefined = isTerminal(input) ? {input, output, release() {/* The caller's streams stay open. */}} : openTerminal();
	if (terminal === undefined) {
		throw new PassphraseError(`No passphrase: pass --passphrase-file FILE or set ${passphraseEnvironmentVariable} (there is no terminal to ask on).`);
	}

	const prompt = openHiddenPrompt(terminal);
	try {
		if (!confirm) {
			return await prompt.ask('Passphrase: ');
		}

		const first = await prompt.ask('New passphrase: ');
		if (first === '') {
			return first;
		}

		const second = await prompt.ask('Repeat the passphrase: ');
		if (first !== second) {
			throw new PassphraseError('The two passphrases differ. Run the command again and type the same passphrase twice.');
		}

		return first;
	} finally {
		prompt.close();
		terminal.release();
	}
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

/** Questions asked without echo; echo stays off from opening to close(). */
export type HiddenPrompt = {
	ask(question: string): Promise<string>;
	/** Restores the terminal mode it found. Safe to call twice. */
	close(): void;
};

/**
 * Puts the terminal in raw mode at once, before any question is shown, so nothing typed from
 * then on is echoed. Each answer runs until Enter; what was typed after that Enter (a paste of
 * both answers) is kept for the next question. Backspace deletes one character, Ctrl-U the
 * whole line; Ctrl-C, and Ctrl-D on an empty line, cancel; other control keys and escape
 * sequences (arrows, function keys) are ignored rather than typed into the passphrase.
 */
export function openHiddenPrompt({input, output}: PromptHiddenOptions): HiddenPrompt {
	if (typeof input.setRawMode !== 'function') {
		throw new PassphraseError('Cannot hide typing: the input is not a terminal.');
	}

	const wasRaw = input.isRaw === true;
	input.setRawMode(true);
	let closed = false;
	let typedAhead = '';
	// A character split across two reads is joined, not turned into two replacement characters.
	const decoder = new StringDecoder('utf8');
	const readLine = async (question: string) => new Promise<string>((resolve, reject) => {
		let characters: string[] = [];
		let inEscape = false;
		const finish = (error: Error | undefined, rest: string) => {
			input.removeListener('data', onData);
			input.pause();
			output.write('\n');
			typedAhead = error ? '' : rest;
			if (error) {
				reject(error);
			} else {
				resolve(characters.join(''));
			}

			characters = [];
		};

		/** Takes characters until the answer ends; returns true when it did. */
		const take = (text: string): boolean => {
			const typed = [...text];
			for (const [index, character] of typed.entries()) {
				if (inEscape) {
					// CSI and SS3 sequences end in a letter or '~'; the '[' or 'O' after ESC does not.
					if (/[A-Za-z~]/.test(character) && character !== 'O') {
						inEscape = false;
					}

					continue;
				}

				const rest = () => typed.slice(index + 1).join('');
				switch (character) {
					case '\r':
					case '\n': {
						finish(undefined, rest());
						return true;
					}

					case '\u0003': {
						finish(new PromptCancelledError(), '');
						return true;
					}

					case '\u0004': {
						if (characters.length === 0) {
							finish(new PromptCancelledError(), '');
							return true;
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

			return false;
		};

		const onData = (chunk: Buffer | string) => {
			take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
		};

		output.write(question);
		input.on('data', onData);
		const ahead = typedAhead;
		typedAhead = '';
		if (!take(ahead)) {
			input.resume();
		}
	});

	return {
		ask: async question => {
			if (closed) {
				throw new PassphraseError('The prompt is closed.');
			}

			return readLine(question);
		},
		close() {
			if (!closed) {
				closed = true;
				input.setRawMode?.(wasRaw);
			}
		},
	};
}

/** One question: opens the prompt, asks, restores the terminal. */
export async function promptHidden(question: string, options: PromptHiddenOptions): Promise<string> {
	const prompt = openHiddenPrompt(options);
	try {
		return await prompt.ask(question);
	} finally {
		prompt.close();
	}
}
