import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import {openHiddenPrompt, PassphraseError, promptHidden, PromptCancelledError, readPassphrase, type PromptInput} from '../../source/commands/passphrase.js';

let root: string;
before(() => {
	root = mkdtempSync(join(tmpdir(), 'umbra-passphrase-'));
});
after(() => {
	rmSync(root, {recursive: true, force: true});
});

function secretFile(name: string, text: string, mode = 0o600): string {
	const path = join(root, name);
	writeFileSync(path, text);
	chmodSync(path, mode);
	return path;
}

/** A stand-in for a TTY stdin that records raw-mode switches and writes, in order, in `events`. */
function fakeTty(): {input: PromptInput & PassThrough; rawModes: boolean[]; events: string[]; output: {write(text: string): boolean}; written: () => string} {
	const rawModes: boolean[] = [];
	const events: string[] = [];
	const input = Object.assign(new PassThrough(), {
		isTTY: true,
		isRaw: false,
		setRawMode(mode: boolean) {
			rawModes.push(mode);
			events.push(mode ? 'raw' : 'cooked');
			input.isRaw = mode;
			return input;
		},
	});
	let text = '';
	return {
		input,
		rawModes,
		events,
		output: {
			write(chunk: string) {
				text += chunk;
				events.push(`write ${JSON.stringify(chunk)}`);
				return true;
			},
		},
		written: () => text,
	};
}

/** Standard input as a pipe: not a terminal. */
const pipedInput = () => Object.assign(new PassThrough(), {isTTY: false});

/** A prompt must not be opened: standard input is a pipe and no terminal may be asked for. */
const noPrompt = {input: pipedInput(), openTerminal: () => assert.fail('must not prompt')};

describe('readPassphrase', () => {
	it('reads the first line of --passphrase-file, without its line ending', async () => {
		const path = secretFile('pass', 'correct horse\r\nsecond line\n');
		assert.deepEqual(await readPassphrase({passphraseFile: path, env: {UMBRA_PASSPHRASE: 'env'}, ...noPrompt}), {passphrase: 'correct horse', source: 'file'});
		const noNewline = secretFile('pass2', 'battery staple');
		assert.equal((await readPassphrase({passphraseFile: noNewline, env: {}})).passphrase, 'battery staple');
	});

	it('refuses a passphrase file that others can read, saying how to fix it', async () => {
		const path = secretFile('open', 'p\n', 0o644);
		await assert.rejects(readPassphrase({passphraseFile: path, env: {}}), (error: Error) => error instanceof PassphraseError && error.message.includes(`chmod 600 ${path}`));
	});

	it('names a missing passphrase file', async () => {
		await assert.rejects(readPassphrase({passphraseFile: join(root, 'nope'), env: {}}), /ENOENT.*--passphrase-file/);
	});

	it('uses UMBRA_PASSPHRASE when there is no file', async () => {
		assert.deepEqual(await readPassphrase({env: {UMBRA_PASSPHRASE: 'from env'}, ...noPrompt}), {passphrase: 'from env', source: 'env'});
	});

	it('prompts last, and asks twice for a new passphrase with echo off throughout', async () => {
		const tty = fakeTty();
		const result = readPassphrase({env: {}, input: tty.input, output: tty.output, confirm: true});
		// Both answers at once, as a paste or a fast typist sends them: the second is kept for the second question.
		tty.input.write('typed\rtyped\r');
		assert.deepEqual(await result, {passphrase: 'typed', source: 'prompt'});
		// Raw mode (no echo) before the first question shows, and not left until the last is answered.
		assert.deepEqual(tty.events, ['raw', 'write "New passphrase: "', 'write "\\n"', 'write "Repeat the passphrase: "', 'write "\\n"', 'cooked']);

		const differ = fakeTty();
		const mismatch = readPassphrase({env: {}, input: differ.input, output: differ.output, confirm: true});
		differ.input.write('a\r');
		differ.input.write('b\r');
		await assert.rejects(mismatch, /differ/);
		assert.deepEqual(differ.rawModes, [true, false]);
	});

	it('asks on the controlling terminal when standard input is a pipe', async () => {
		const tty = fakeTty();
		let released = 0;
		const result = readPassphrase({env: {}, input: pipedInput(), output: {write: () => assert.fail('the prompt goes to the terminal')}, openTerminal: () => ({input: tty.input, output: tty.output, release: () => (released += 1)})});
		tty.input.write('from the tty\r');
		assert.deepEqual(await result, {passphrase: 'from the tty', source: 'prompt'});
		assert.equal(released, 1);
		assert.match(tty.written(), /^Passphrase: \n$/);
	});

	it('refuses an empty passphrase when creating, from any source', async () => {
		await assert.rejects(readPassphrase({env: {UMBRA_PASSPHRASE: ''}, confirm: true}), /empty passphrase/i);
		await assert.rejects(readPassphrase({passphraseFile: secretFile('empty', '\n'), env: {}, confirm: true}), /empty passphrase/i);
		const tty = fakeTty();
		const empty = readPassphrase({env: {}, input: tty.input, output: tty.output, confirm: true});
		tty.input.write('\r');
		await assert.rejects(empty, /empty passphrase/i);
		assert.equal((await readPassphrase({env: {UMBRA_PASSPHRASE: ''}})).passphrase, '');
	});

	it('without a terminal, file or variable, says what to pass', async () => {
		await assert.rejects(readPassphrase({env: {}, input: pipedInput(), output: {write: () => true}, openTerminal: () => undefined}), (error: Error) => error instanceof PassphraseError && /no passphrase: pass --passphrase-file FILE or set UMBRA_PASSPHRASE/i.test(error.message));
	});

	it('prompts on the terminal by default', async () => {
		const tty = fakeTty();
		const result = readPassphrase({env: {}, input: tty.input, output: tty.output});
		tty.input.write('hunter2\r');
		assert.deepEqual(await result, {passphrase: 'hunter2', source: 'prompt'});
		assert.match(tty.written(), /^Passphrase: \n$/);
	});
});

describe('promptHidden', () => {
	it('turns echo off before the question shows', async () => {
		const tty = fakeTty();
		const prompt = openHiddenPrompt(tty);
		assert.deepEqual(tty.events, ['raw']);
		const answer = prompt.ask('Passphrase: ');
		tty.input.write('x\r');
		assert.equal(await answer, 'x');
		prompt.close();
		prompt.close();
		assert.deepEqual(tty.events, ['raw', 'write "Passphrase: "', 'write "\\n"', 'cooked']);
	});

	it('joins a character split across two reads', async () => {
		const tty = fakeTty();
		const answer = promptHidden('? ', tty);
		const key = Buffer.from('\u{1F511}');
		tty.input.write(key.subarray(0, 2));
		tty.input.write(Buffer.concat([key.subarray(2), Buffer.from('\r')]));
		assert.equal(await answer, '\u{1F511}');
	});

	it('reads until Enter without echo, in raw mode, and restores the mode', async () => {
		const tty = fakeTty();
		const answer = promptHidden('Passphrase: ', tty);
		tty.input.write('s3cr');
		tty.input.write('et\r');
		assert.equal(await answer, 's3cret');
		assert.deepEqual(tty.rawModes, [true, false]);
		assert.equal(tty.written().includes('s3cret'), false);
	});

	it('handles backspace, Ctrl-U, escape sequences and multi-byte characters', async () => {
		const tty = fakeTty();
		const answer = promptHidden('? ', tty);
		tty.input.write('junk\u0015ab\u007Fc\b\bd\u001B[Ae\u001BOPf\u00E9\u{1F511}\n');
		assert.equal(await answer, 'def\u00E9\u{1F511}');
	});

	it('cancels on Ctrl-C, and on Ctrl-D at an empty line', async () => {
		for (const key of ['abc\u0003', '\u0004']) {
			const tty = fakeTty();
			const answer = promptHidden('? ', tty);
			tty.input.write(key);
			await assert.rejects(answer, PromptCancelledError);
			assert.deepEqual(tty.rawModes, [true, false]);
			assert.equal(tty.input.listenerCount('data'), 0);
		}
	});
});
