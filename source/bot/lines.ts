// Splits a byte stream into lines with a bound on their length: a line longer than the bound is
// reported once and skipped up to its newline, so a runaway producer cannot fill memory and the
// next good line still counts.
import {StringDecoder} from 'node:string_decoder';

export type LineItem = {ok: true; line: string} | {ok: false; problem: string};

export class LineSplitter {
	readonly #maxBytes: number;
	readonly #decoder = new StringDecoder('utf8');
	#pending = '';
	#skipping = false;

	constructor(maxBytes: number) {
		this.#maxBytes = maxBytes;
	}

	push(chunk: Buffer | string): LineItem[] {
		const items: LineItem[] = [];
		let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
		let newline = text.indexOf('\n');
		while (newline !== -1) {
			const piece = text.slice(0, newline);
			text = text.slice(newline + 1);
			if (this.#skipping) {
				this.#skipping = false;
			} else {
				items.push(this.#finish(this.#pending + piece));
			}

			this.#pending = '';
			newline = text.indexOf('\n');
		}

		if (!this.#skipping) {
			this.#pending += text;
			if (Buffer.byteLength(this.#pending) > this.#maxBytes) {
				this.#pending = '';
				this.#skipping = true;
				items.push(this.#tooLong());
			}
		}

		return items;
	}

	/** At end of input: the last line when it had no newline. */
	end(): LineItem | undefined {
		const rest = this.#pending + this.#decoder.end();
		this.#pending = '';
		return rest.length > 0 && !this.#skipping ? this.#finish(rest) : undefined;
	}

	#finish(line: string): LineItem {
		const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
		return Buffer.byteLength(trimmed) > this.#maxBytes ? this.#tooLong() : {ok: true, line: trimmed};
	}

	#tooLong(): LineItem {
		return {ok: false, problem: `a line is longer than ${this.#maxBytes} bytes; it was skipped up to its end`};
	}
}
