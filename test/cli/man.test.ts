// man/umbra.1 is generated (scripts/man.ts): the committed page must equal the generator's
// output, render without a single groff warning, and name every flag meow parses, which must
// also show in that command's --help as the real CLI prints it.
import {strict as assert} from 'node:assert';
import {execFile, spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {promisify} from 'node:util';
import {botCommandTable, botEventTable} from '../../source/bot/protocol.js';
import {commands} from '../../source/commands/index.js';
import {flagName} from '../../source/commands/command.js';
import {exitCodes} from '../../source/exit-codes.js';
import {findExecutable} from '../../source/net/system-tools.js';
import {loadKeymap, manPage, manPagePath} from '../../scripts/man.js';

const root = join(import.meta.dirname, '..', '..');
const committed = readFileSync(manPagePath, 'utf8');
// In roff source an option's hyphens are \-; the plain text is what a reader searches.
const plain = committed.replaceAll('\\-', '-').replaceAll('\\e', '\\');

test('the committed man page is what scripts/man.ts generates (run npm run man after changing a command)', async () => {
	assert.equal(committed, await manPage(), 'man/umbra.1 is stale: run `npm run man` and commit it');
});

test('the man page renders with no groff warning', () => {
	const groff = findExecutable('groff');
	assert.ok(groff, 'groff is not installed: apt-get install groff-base');
	const result = spawnSync(groff, ['-man', '-Tutf8', '-ww', '-z', manPagePath], {encoding: 'utf8'});
	assert.equal(result.status, 0, result.stderr);
	assert.equal(result.stderr, '', 'groff warned');
});

test('every command, flag, exit code, key and bot command and event is in the man page', async () => {
	for (const command of commands) {
		assert.ok(plain.includes(`.SS ${command.name}\n`), `command ${command.name}`);
		for (const key of Object.keys(command.flags)) {
			assert.ok(plain.includes(flagName(key)), `${command.name} ${flagName(key)}`);
		}
	}

	for (const code of Object.values(exitCodes)) {
		assert.ok(plain.includes(`.TP\n\\fB${code}\\fR`), `exit code ${code}`);
	}

	for (const doc of botCommandTable) {
		assert.ok(plain.includes(`{"cmd":"${doc.cmd}"}`), `bot command ${doc.cmd}`);
	}

	for (const doc of botEventTable) {
		assert.ok(plain.includes(`\\fB${doc.type}\\fR`), `bot event ${doc.type}`);
	}

	for (const entry of loadKeymap()) {
		assert.ok(plain.includes(entry.description), `key ${entry.keys.join(', ')}`);
	}

	for (const name of ['UMBRA_PASSPHRASE', 'XDG_DATA_HOME', 'NO_COLOR', '.SH FILES', '.SH EXIT STATUS', '.SH SECURITY NOTES']) {
		assert.ok(plain.includes(name), name);
	}
});

test('every flag meow knows is in that command\'s --help, as the CLI prints it', async () => {
	const run = promisify(execFile);
	await Promise.all(commands.map(async command => {
		const {stdout} = await run(process.execPath, ['--import', 'tsx', join(root, 'source', 'cli.tsx'), command.name, '--help'], {cwd: root});
		for (const key of Object.keys(command.flags)) {
			assert.ok(stdout.includes(flagName(key)), `umbra ${command.name} --help lacks ${flagName(key)}`);
		}
	}));
});
