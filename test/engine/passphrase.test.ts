import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import {PassphraseError, promptHidden, PromptCancelledError, readPassphrase, type PromptInput} from '../../source/engine/passphrase.js';

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

/** A stand-in for a TTY stdin that records raw-mode switches. */
function fakeTty(): {input: PromptInput & PassThrough; rawModes: boolean[]; output: {write(text: string): boolean}; written: () => string} {
	const rawModes: boolean[] = [];
	const input = Object.assign(new PassThrough(), {
		isTTY: true,
		isRaw: false,
		setRawMode(mode: boolean) {
			rawModes.push(mode);
			input.isRaw = mode;
			return input;
		},
	});
	let text = '';
	return {input, rawModes, output: {write: (chunk: string) => (text += chunk, true)}, written: () => text};
}

const noPrompt = async () => assert.fail('must not prompt');

describe('readPassphrase', () => {
	it('reads the first line of --passphrase-file, without its line ending', async () => {
		const path = secretFile('pass', 'correct horse\r\nsecond line\n');
		assert.deepEqual(await readPassphrase({passphraseFile: path, env: {UMBRA_PASSPHRASE: 'env'}, prompt: noPrompt}), {passphrase: 'correct horse', source: 'file'});
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
		assert.deepEqual(await readPassphrase({env: {UMBRA_PASSPHRASE: 'from env'}, prompt: noPrompt}), {passphrase: 'from env', source: 'env'});
	});

	it('prompts last, and asks twice for a new passphrase', async () => {
		const questions: string[] = [];
		const answers = ['typed', 'typed'];
		const prompt = async (question: string) => {
			questions.push(question);
			return answers.shift() ?? '';
		};

		assert.deepEqual(await readPassphrase({env: {}, prompt, confirm: true}), {passphrase: 'typed', source: 'prompt'});
		assert.equal(questions.length, 2);
		await assert.rejects(readPassphrase({env: {}, prompt: async q => q.startsWith('New') ? 'a' : 'b', confirm: true}), /differ/);
	});

	it('refuses an empty passphrase when creating, from any source', async () => {
		await assert.rejects(readPassphrase({env: {UMBRA_PASSPHRASE: ''}, confirm: true}), /empty passphrase/i);
		await assert.rejects(readPassphrase({passphraseFile: secretFile('empty', '\n'), env: {}, confirm: true}), /empty passphrase/i);
		await assert.rejects(readPassphrase({env: {}, prompt: async () => '', confirm: true}), /empty passphrase/i);
		assert.equal((await readPassphrase({env: {UMBRA_PASSPHRASE: ''}})).passphrase, '');
	});

	it('without a terminal, file or variable, says what to pass', async () => {
		const input = Object.assign(new PassThrough(), {isTTY: false});
		await assert.rejects(readPassphrase({env: {}, input, output: {write: () => true}}), (error: Error) => error instanceof PassphraseError && /no passphrase: pass --passphrase-file FILE or set UMBRA_PASSPHRASE/i.test(error.message));
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
