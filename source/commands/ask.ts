// Terminal questions and key input for the identity and contact commands: one visible line
// (a user ID, a y/N answer) and a key file or standard input, read with a cap.
import {createInterface} from 'node:readline';
import type {Readable} from 'node:stream';
import {KeyFileError, readKeyFile} from '../engine/index.js';
import {UsageError, type CommandContext} from './command.js';
import {PromptCancelledError} from './passphrase.js';

/**
 * Larger than any key block the keys layer accepts, so its own cap reports the size with the
 * fix; reading stops here so a wrong input (cat /dev/zero |) costs no memory.
 */
const readCapBytes = 8 * 1024 * 1024;

/** Asks one question on stderr and reads one line from the terminal. */
export async function askLine(context: CommandContext, question: string): Promise<string> {
	context.signal.throwIfAborted();
	// terminal: false leaves line editing to the tty driver and Ctrl-C to cli.tsx's SIGINT handler,
	// which aborts context.signal.
	const lines = createInterface({input: context.stdin, output: context.stderr, terminal: false});
	return new Promise<string>((resolve, reject) => {
		let answered = false;
		const finish = (error: Error | undefined, line = '') => {
			if (answered) {
				return;
			}

			answered = true;
			context.signal.removeEventListener('abort', onAbort);
			lines.close();
			context.stdin.pause();
			if (error) {
				reject(error);
			} else {
				resolve(line);
			}
		};

		const onAbort = () => {
			context.stderr.write('\n');
			finish(new PromptCancelledError());
		};

		context.signal.addEventListener('abort', onAbort, {once: true});
		lines.once('line', line => finish(undefined, line));
		// Ctrl-D (end of input) before a line: the user gave up.
		lines.once('close', () => finish(new PromptCancelledError()));
		context.stderr.write(question);
	});
}

/** y or yes (any case) is yes; anything else, including an empty line, is no. */
export async function confirm(context: CommandContext, question: string): Promise<boolean> {
	return /^\s*y(?:es)?\s*$/i.test(await askLine(context, `${question} [y/N] `));
}

async function readCapped(stream: Readable): Promise<Uint8Array> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of stream) {
		const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
		chunks.push(bytes);
		size += bytes.length;
		if (size > readCapBytes) {
			stream.destroy();
			break;
		}
	}

	return new Uint8Array(Buffer.concat(chunks));
}

/** The bytes of FILE, or of standard input for "-". A file that cannot be read is a usage error that says why. */
export async function readKeyInput(context: CommandContext, source: string, what: string): Promise<Uint8Array> {
	if (source === '-') {
		if (context.stdin.isTTY) {
			context.stderr.write(`Paste ${what}, then press Ctrl-D on an empty line:\n`);
		}

		return readCapped(context.stdin);
	}

	try {
		return await readKeyFile(source);
	} catch (error) {
		if (error instanceof KeyFileError) {
			throw new UsageError(`${error.message} Give the path of a file holding ${what}, or - for standard input.`);
		}

		throw error;
	}
}
