// kill -9 at varied moments while a child writes: the store must open, pass integrity_check and
// hold every message the child reported as committed.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {after, before, it} from 'node:test';
import {openStore} from '../../source/engine/store/store.js';

const passphrase = 'crash test passphrase';
const contact = 'C0FFEE00'.repeat(5);
const writer = join(import.meta.dirname, 'children', 'store-writer.ts');

let directory: string;
before(() => {
	directory = mkdtempSync(join(tmpdir(), 'umbra-store-crash-'));
});
after(() => {
	rmSync(directory, {recursive: true, force: true});
});

type Round = {committed: string[]; signal: NodeJS.Signals | null};

/** Runs the writer until it has reported `killAfter` committed IDs (0: right after it opened), then SIGKILLs it. */
function runWriter(path: string, prefix: string, killAfter: number, timeoutMs = 60_000): Promise<Round> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', writer, path, passphrase, contact, prefix], {stdio: ['ignore', 'pipe', 'pipe']});
		const committed: string[] = [];
		let pending = '';
		let opened = false;
		let stderr = '';
		let killed = false;
		const timer = setTimeout(() => {
			child.kill('SIGKILL');
			reject(new Error(`writer reported ${committed.length} of ${killAfter} IDs in ${timeoutMs} ms; stderr: ${stderr}`));
		}, timeoutMs);
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		child.stdout.on('data', (chunk: Buffer) => {
			pending += chunk.toString();
			const lines = pending.split('\n');
			pending = lines.pop() ?? '';
			for (const line of lines) {
				if (line === 'opened') {
					opened = true;
				} else {
					committed.push(line);
				}
			}

			if (!killed && opened && committed.length >= killAfter) {
				killed = true;
				child.kill('SIGKILL');
			}
		});
		child.on('exit', (_code, signal) => {
			clearTimeout(timer);
			if (!killed) {
				reject(new Error(`writer exited by itself (${signal ?? _code}); stderr: ${stderr}`));
				return;
			}

			// Lines already in the pipe when the kill landed were committed too.
			resolve({committed, signal});
		});
	});
}

it('loses nothing acknowledged when the writer is killed with SIGKILL at varied moments', {timeout: 300_000}, async () => {
	const path = join(directory, 'store.db');
	const setup = await openStore({path, passphrase, create: true, kdf: {N: 2 ** 10, r: 8, p: 1}});
	setup.addContact({fingerprint: contact, name: 'Crash', certificate: new Uint8Array([1])});
	setup.close();

	const all = new Set<string>();
	const killPoints = [0, 1, 7, 60, 333, 1200, 2500];
	for (const [round, killAfter] of killPoints.entries()) {
		const {committed, signal} = await runWriter(path, `r${round}`, killAfter);
		assert.equal(signal, 'SIGKILL');
		assert.ok(committed.length >= killAfter);
		for (const id of committed) {
			all.add(id);
		}

		const store = await openStore({path, passphrase, create: false});
		try {
			assert.equal(store.integrityCheck(), 'ok', `round ${round}`);
			const missing = [...all].filter(id => store.getMessage(id) === undefined);
			assert.deepEqual(missing, [], `round ${round}: committed IDs missing after kill -9`);
			// Positions stay dense and unique: no half-written message took a number.
			const conversation = store.listConversation(contact, {limit: 1_000_000});
			assert.ok(conversation.length >= all.size);
			assert.deepEqual(conversation.map(message => message.position), conversation.map((_message, index) => index + 1));
		} finally {
			store.close();
		}
	}
});
