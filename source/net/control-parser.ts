// A sans-IO parser for Tor's control protocol (control-spec §2.3, §2.4): fed raw bytes in
// chunks split anywhere, it returns complete replies and asynchronous events in arrival order.
// It owns no socket, so tests replay transcripts through it at every split point.

/** One line of a reply: `250-key=value`, `250+key=` (with its data block) or `250 OK`. */
export type ReplyLine = {
	readonly code: number;
	readonly text: string;
	/** The dot-unstuffed data block after a `+` line, its lines joined with "\n". */
	readonly data?: string;
};

/** A complete synchronous reply; `code` is the status shared by all its lines. */
export type ControlReply = {readonly code: number; readonly lines: readonly ReplyLine[]};

/** An asynchronous `650` event; `name` is the first word, `text` the rest of the first line. */
export type ControlEvent = {readonly name: string; readonly text: string; readonly lines: readonly ReplyLine[]};

export type ParsedItem = {readonly type: 'reply'; readonly reply: ControlReply} | {readonly type: 'event'; readonly event: ControlEvent};

export type ParseResult = {readonly items: readonly ParsedItem[]; readonly error?: ControlProtocolError};

export type ControlParserOptions = {
	/** Longest line accepted; a peer that never sends a newline must not fill memory. */
	readonly maxLineBytes?: number;
	/** Largest reply or event accepted (tor's full consensus via GETINFO is a few MB). */
	readonly maxMessageBytes?: number;
};

/** The peer sent bytes that are not the control protocol; the stream cannot be trusted after it. */
export class ControlProtocolError extends Error {
	override name = 'ControlProtocolError';
	constructor(detail: string, readonly line?: string) {
		super(`malformed tor control reply: ${detail}${line === undefined ? '' : ` (line: ${JSON.stringify(line.slice(0, 120))})`}`);
	}
}

type Accumulator = {code: number; lines: ReplyLine[]; bytes: number};
type DataBlock = {target: 'reply' | 'event'; code: number; text: string; chunks: string[]};

const lineShape = /^([2-6]\d\d)([ +-])(.*)$/s;
const utf8 = new TextDecoder('utf-8', {fatal: false});

export class ControlParser {
	readonly #maxLineBytes: number;
	readonly #maxMessageBytes: number;
	#partial: Buffer = Buffer.alloc(0);
	// Where the search for the next newline resumes, so a long line fed in small chunks is not rescanned.
	#scanFrom = 0;
	// Tor may start an event while a reply is still arriving, so each kind has its own accumulator.
	#reply: Accumulator | undefined;
	#event: Accumulator | undefined;
	#data: DataBlock | undefined;
	#error: ControlProtocolError | undefined;

	constructor(options: ControlParserOptions = {}) {
		this.#maxLineBytes = options.maxLineBytes ?? 1024 * 1024;
		this.#maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
	}

	/** True between messages: nothing half-read that a closing connection would cut off. */
	get idle(): boolean {
		return this.#partial.length === 0 && this.#reply === undefined && this.#event === undefined && this.#data === undefined;
	}

	/** The error that stopped the parser, if any; after it every push returns it again. */
	get error(): ControlProtocolError | undefined {
		return this.#error;
	}

	push(chunk: Uint8Array): ParseResult {
		if (this.#error) {
			return {items: [], error: this.#error};
		}

		const items: ParsedItem[] = [];
		this.#partial = this.#partial.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#partial, chunk]);
		let start = 0;
		while (true) {
			const newline = this.#partial.indexOf(0x0a, Math.max(start, this.#scanFrom));
			if (newline === -1) {
				break;
			}

			// CRLF is the standard; a bare LF is tolerated.
			const end = newline > start && this.#partial[newline - 1] === 0x0d ? newline - 1 : newline;
			if (end - start > this.#maxLineBytes) {
				return this.#fail(items, new ControlProtocolError(`a line is longer than ${this.#maxLineBytes} bytes`));
			}

			const line = utf8.decode(this.#partial.subarray(start, end));
			const lineBytes = newline + 1 - start;
			start = newline + 1;
			this.#scanFrom = start;
			const error = this.#line(line, lineBytes, items);
			if (error) {
				return this.#fail(items, error);
			}
		}

		this.#partial = this.#partial.subarray(start);
		this.#scanFrom = this.#partial.length;
		if (this.#partial.length > this.#maxLineBytes) {
			return this.#fail(items, new ControlProtocolError(`a line is longer than ${this.#maxLineBytes} bytes`));
		}

		return {items};
	}

	#fail(items: ParsedItem[], error: ControlProtocolError): ParseResult {
		this.#error = error;
		this.#partial = Buffer.alloc(0);
		return {items, error};
	}

	#line(line: string, bytes: number, items: ParsedItem[]): ControlProtocolError | undefined {
		if (this.#data) {
			const block = this.#data;
			const accumulator = block.target === 'reply' ? this.#reply! : this.#event!;
			accumulator.bytes += bytes;
			if (accumulator.bytes > this.#maxMessageBytes) {
				return new ControlProtocolError(`a reply is larger than ${this.#maxMessageBytes} bytes`);
			}

			if (line === '.') {
				accumulator.lines.push({code: block.code, text: block.text, data: block.chunks.join('\n')});
				this.#data = undefined;
			} else {
				// Dot-stuffing: a data line that begins with "." was sent with one more.
				block.chunks.push(line.startsWith('.') ? line.slice(1) : line);
			}

			return undefined;
		}

		const match = lineShape.exec(line);
		if (!match) {
			return new ControlProtocolError('expected a three-digit status code followed by " ", "-" or "+"', line);
		}

		const code = Number(match[1]);
		const separator = match[2]!;
		const text = match[3]!;
		const target = code >= 600 ? 'event' : 'reply';
		let accumulator = target === 'event' ? this.#event : this.#reply;
		if (accumulator && accumulator.code !== code) {
			return new ControlProtocolError(`a line with status ${code} inside a multi-line ${target} with status ${accumulator.code}`, line);
		}

		if (!accumulator) {
			accumulator = {code, lines: [], bytes: 0};
			if (target === 'event') {
				this.#event = accumulator;
			} else {
				this.#reply = accumulator;
			}
		}

		accumulator.bytes += bytes;
		if (accumulator.bytes > this.#maxMessageBytes) {
			return new ControlProtocolError(`a reply is larger than ${this.#maxMessageBytes} bytes`);
		}

		if (separator === '+') {
			this.#data = {target, code, text, chunks: []};
			return undefined;
		}

		accumulator.lines.push({code, text});
		if (separator === '-') {
			return undefined;
		}

		if (target === 'event') {
			this.#event = undefined;
			items.push({type: 'event', event: toEvent(accumulator)});
		} else {
			this.#reply = undefined;
			items.push({type: 'reply', reply: {code, lines: accumulator.lines}});
		}

		return undefined;
	}
}

function toEvent(accumulator: Accumulator): ControlEvent {
	const first = accumulator.lines[0]!.text;
	const space = first.indexOf(' ');
	return {
		name: space === -1 ? first : first.slice(0, space),
		text: space === -1 ? '' : first.slice(space + 1),
		lines: accumulator.lines,
	};
}

/** The text of a reply's last line, e.g. "OK" or "Unknown Onion Service id". */
export function replyMessage(reply: ControlReply): string {
	return reply.lines.at(-1)?.text ?? '';
}

const simpleEscapes: Record<string, number> = {n: 0x0a, t: 0x09, r: 0x0d, '\\': 0x5c, '"': 0x22, "'": 0x27};

/**
 * Reads a control-spec QuotedString starting at `text[start]` (which must be `"`): C escapes
 * \\ \" \' \n \t \r, octal \NNN and hex \xHH. Escapes make bytes, so the value is decoded as
 * UTF-8 at the end (tor writes non-ASCII file names as octal escapes of their UTF-8 bytes).
 */
export function readQuotedString(text: string, start = 0): {value: string; end: number} {
	if (text[start] !== '"') {
		throw new ControlProtocolError(`expected a quoted string at offset ${start}`, text);
	}

	const bytes: number[] = [];
	let index = start + 1;
	while (index < text.length) {
		const character = String.fromCodePoint(text.codePointAt(index)!);
		if (character === '"') {
			return {value: utf8.decode(new Uint8Array(bytes)), end: index + 1};
		}

		if (character !== '\\') {
			bytes.push(...Buffer.from(character, 'utf8'));
			index += character.length;
			continue;
		}

		const next = text[index + 1];
		if (next === undefined) {
			break;
		}

		const octal = /^[0-7]{1,3}/.exec(text.slice(index + 1, index + 4));
		const hex = /^x([0-9a-fA-F]{2})/.exec(text.slice(index + 1, index + 4));
		if (octal && Number.parseInt(octal[0], 8) <= 0xff) {
			bytes.push(Number.parseInt(octal[0], 8));
			index += 1 + octal[0].length;
		} else if (hex) {
			bytes.push(Number.parseInt(hex[1]!, 16));
			index += 4;
		} else if (next in simpleEscapes) {
			bytes.push(simpleEscapes[next]!);
			index += 2;
		} else {
			throw new ControlProtocolError(`unknown escape \\${next} in a quoted string`, text);
		}
	}

	throw new ControlProtocolError('a quoted string has no closing quote', text);
}

/** Quotes a value for a command line, so spaces, quotes and newlines cannot end the argument. */
export function quoteString(value: string): string {
	return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\r', '\\r').replaceAll('\n', '\\n').replaceAll('\t', '\\t')}"`;
}

/**
 * Splits a reply or event line such as `AUTH METHODS=COOKIE COOKIEFILE="/x y"` into its
 * positional words and its KEY=VALUE arguments; quoted values are unescaped.
 */
export function parseArguments(text: string): {positional: string[]; keywords: Record<string, string>} {
	const positional: string[] = [];
	const keywords: Record<string, string> = {};
	let index = 0;
	while (index < text.length) {
		if (text[index] === ' ') {
			index += 1;
			continue;
		}

		if (text[index] === '"') {
			const quoted = readQuotedString(text, index);
			positional.push(quoted.value);
			index = quoted.end;
			continue;
		}

		const word = /^[^ =]*/.exec(text.slice(index))![0];
		index += word.length;
		if (text[index] !== '=') {
			positional.push(word);
			continue;
		}

		index += 1;
		if (text[index] === '"') {
			const quoted = readQuotedString(text, index);
			keywords[word] = quoted.value;
			index = quoted.end;
		} else {
			const value = /^[^ ]*/.exec(text.slice(index))![0];
			keywords[word] = value;
			index += value.length;
		}
	}

	return {positional, keywords};
}
