// A terminal-like stdin and stdout for runChat and runSetup: raw mode, size, resize, and every byte written.
import {EventEmitter} from 'node:events';

export class TerminalIn extends EventEmitter {
	isTTY = true;
	rawMode = false;
	#chunks: string[] = [];
	setRawMode(mode: boolean) {
		this.rawMode = mode;
		return this;
	}

	setEncoding() {
		return this;
	}

	ref() {
		return this;
	}

	unref() {
		return this;
	}

	resume() {
		return this;
	}

	pause() {
		return this;
	}

	read(): string | null {
		return this.#chunks.shift() ?? null;
	}

	type(data: string) {
		this.#chunks.push(data);
		this.emit('readable');
	}
}

export class TerminalOut extends EventEmitter {
	isTTY = true;
	columns = 80;
	rows = 24;
	written = '';
	write(data: string) {
		this.written += data;
		return true;
	}
}

export function terminal() {
	const stdin = new TerminalIn();
	const stdout = new TerminalOut();
	const stderr = new TerminalOut();
	return {stdin, stdout, stderr, streams: {stdin: stdin as unknown as NodeJS.ReadableStream, stdout: stdout as unknown as NodeJS.WritableStream, stderr: stderr as unknown as NodeJS.WritableStream}};
}
