// The first-run and unlock screens against a real profile in a temporary directory (real key
// generation, a real encrypted store with small scrypt parameters).
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, test} from 'node:test';
import {cleanup, render} from 'ink-testing-library';
import type {Profile} from '../../source/engine/index.js';
import {Setup} from '../../source/screens/setup.js';
import {fixturePassphrase} from '../helpers/key-fixtures.js';
import {pollUntil} from '../helpers/waiters.js';

const root = mkdtempSync(join(tmpdir(), 'umbra-setup-'));
after(() => {
	cleanup();
	rmSync(root, {recursive: true, force: true});
});

const kdf = {N: 2 ** 10, r: 8, p: 1};
const fixtures = join(import.meta.dirname, '..', 'fixtures', 'keys');

function renderSetup(dataDir: string, extra: {passphrase?: string; cwd?: string} = {}) {
	const outcome: {profile?: Profile | undefined; error?: unknown; done: boolean} = {done: false};
	const instance = render(<Setup dataDir={dataDir} kdf={kdf} width={80} {...extra} onDone={profile => Object.assign(outcome, {profile, done: true})} onError={error => Object.assign(outcome, {error, done: true})} />);
	const frame = () => instance.lastFrame() ?? '';
	async function until(label: string, predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
		await pollUntil(label, predicate, timeoutMs, {pollMs: 5, context: () => `; the screen was:\n${frame()}`});
	}

	/** Types a line once `label` is on screen. */
	async function answer(label: string, line: string): Promise<void> {
		await until(label, () => frame().includes(label));
		instance.stdin.write(`${line}\r`);
	}

	return {instance, frame, until, answer, outcome};
}

test('first run: create an identity; passphrases that differ are asked again; then unlock with a retry', async () => {
	const dataDir = join(root, 'create');
	const first = renderSetup(dataDir);
	try {
		await first.answer('1: create a new identity', '1');
		await first.answer('Your name', 'Ann <ann@example.org>');
		await first.answer('A passphrase to protect', 'short');
		await first.until('too short', () => first.frame().includes('at least 8 characters'));
		first.instance.stdin.write('correct horse\r');
		await first.answer('The same passphrase again', 'correct hose');
		await first.until('differ', () => first.frame().includes('The two passphrases differ'));
		await first.answer('A passphrase to protect', 'correct horse');
		await first.answer('The same passphrase again', 'correct horse');
		await first.until('created', () => first.outcome.done);
		assert.ok(!first.frame().includes('correct horse'), 'a passphrase is never shown');
		assert.equal(first.outcome.profile?.identity.userId, 'Ann <ann@example.org>');
		first.outcome.profile?.close();
	} finally {
		first.instance.unmount();
	}

	const second = renderSetup(dataDir);
	try {
		await second.answer('Passphrase:', 'wrong guess');
		await second.until('wrong passphrase said', () => second.frame().includes('Wrong passphrase'));
		assert.equal(second.outcome.done, false, 'a wrong passphrase lets the user try again');
		await second.answer('Passphrase:', 'correct horse');
		await second.until('unlocked', () => second.outcome.done);
		assert.equal(second.outcome.profile?.identity.userId, 'Ann <ann@example.org>');
		second.outcome.profile?.close();
	} finally {
		second.instance.unmount();
	}
});

test('first run: import a GnuPG secret key file; a wrong key passphrase asks again', async () => {
	const dataDir = join(root, 'import');
	const ui = renderSetup(dataDir, {cwd: fixtures});
	try {
		await ui.answer('2: import', '2');
		await ui.answer('Path of the secret key file', 'no-such-file.asc');
		await ui.answer("The key's passphrase", 'whatever');
		await ui.until('missing file', () => ui.frame().includes('ENOENT') && ui.frame().includes('Path of the secret key file'));
		ui.instance.stdin.write('alice.sec.asc\r');
		await ui.answer("The key's passphrase", 'not it');
		await ui.until('wrong passphrase', () => ui.frame().includes('could not be unlocked') || ui.frame().includes('Wrong passphrase'));
		ui.instance.stdin.write(`${fixturePassphrase}\r`);
		await ui.until('imported', () => ui.outcome.done);
		assert.ok(ui.outcome.profile, ui.frame());
		assert.match(ui.outcome.profile.identity.userId, /alice/i);
		ui.outcome.profile.close();
	} finally {
		ui.instance.unmount();
	}
});

test('Escape leaves without a profile', async () => {
	const ui = renderSetup(join(root, 'cancel'));
	try {
		await ui.until('choice', () => ui.frame().includes('1: create'));
		ui.instance.stdin.write('\u001B');
		await ui.until('cancelled', () => ui.outcome.done);
		assert.equal(ui.outcome.profile, undefined);
	} finally {
		ui.instance.unmount();
	}
});

test('a passphrase from a file or the environment unlocks without asking; a wrong one is an error, not a loop', async () => {
	const dataDir = join(root, 'given');
	const create = renderSetup(dataDir, {passphrase: 'given passphrase'});
	try {
		await create.answer('1: create a new identity', '1');
		await create.answer('Your name', 'Gina');
		await create.until('created without asking for a passphrase', () => create.outcome.done);
		assert.ok(create.outcome.profile, create.frame());
		create.outcome.profile.close();
	} finally {
		create.instance.unmount();
	}

	const unlock = renderSetup(dataDir, {passphrase: 'given passphrase'});
	try {
		await unlock.until('unlocked at once', () => unlock.outcome.done);
		assert.equal(unlock.outcome.profile?.identity.userId, 'Gina');
		unlock.outcome.profile?.close();
	} finally {
		unlock.instance.unmount();
	}

	const wrong = renderSetup(dataDir, {passphrase: 'not it'});
	try {
		await wrong.until('failed', () => wrong.outcome.done);
		assert.equal(wrong.outcome.profile, undefined);
		assert.equal((wrong.outcome.error as Error).name, 'WrongPassphraseError');
	} finally {
		wrong.instance.unmount();
	}
});
