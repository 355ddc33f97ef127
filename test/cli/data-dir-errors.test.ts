// A data directory that cannot be made is a clear error at once, from every command that needs
// one. Under /proc, Node 20's recursive mkdir loops forever at full CPU (ENOENT, then EEXIST,
// again and again) and no signal stops it; a failed init leaves no empty directory behind.
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {runUmbra, temporaryFolder} from './run-umbra.js';

const env = {UMBRA_PASSPHRASE: 'correct horse'};

describe('an unusable data directory', () => {
	for (const args of [['init', '--user-id', 'Una <una@example.org>'], ['contacts'], ['status', '--timeout', '5'], ['send', '--to', 'bob', 'hi', '--timeout', '5']]) {
		it(`umbra ${args[0]} says so at once`, async () => {
			// runUmbra kills the child and fails the test at the deadline: a loop cannot pass.
			const result = await runUmbra([...args, '--data-dir', '/proc/umbra-nope'], {env, timeoutMs: 15_000});
			assert.equal(result.code, exitCodes.failure, result.stderr);
			assert.match(result.stdout + result.stderr, /Cannot create the data directory \/proc\/umbra-nope: ENOENT[^\n]*Pick another --data-dir/);
		});
	}
});

describe('a failed init', () => {
	const folder = temporaryFolder('init-left');
	after(() => {
		folder.remove();
	});

	it('leaves no empty data directory behind', async () => {
		const dataDir = join(folder.path, 'new', 'umbra');
		// No terminal to ask the user ID on: a usage error, after the directory was made.
		const result = await runUmbra(['init', '--data-dir', dataDir], {env});
		assert.equal(result.code, exitCodes.usage, result.stderr);
		assert.match(result.stderr, /--user-id/);
		assert.equal(existsSync(dataDir), false, 'the data directory init made was removed');
	});
});
