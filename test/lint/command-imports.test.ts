// No command imports another command: what two commands share lives in a shared module of
// source/commands (network-flags.ts, open.ts, ...), so a command file can change alone.
import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';

const folder = join(import.meta.dirname, '..', '..', 'source', 'commands');
const importsOf = (file: string) => [...readFileSync(join(folder, file), 'utf8').matchAll(/from '\.\/([\w-]+)\.js'/g)].map(match => match[1]!);
/** The command files are those the command table imports a `...Command` from. */
const commandFiles = [...readFileSync(join(folder, 'index.ts'), 'utf8').matchAll(/import \{\w+Command\} from '\.\/([\w-]+)\.js'/g)].map(match => match[1]!);

test('the command table names the command files', () => {
	assert.ok(commandFiles.includes('chat') && commandFiles.includes('send'), `found ${commandFiles.join(', ')}`);
});

for (const file of readdirSync(folder).filter(name => name !== 'index.ts')) {
	test(`${file} imports no command file`, () => {
		assert.deepEqual(importsOf(file).filter(name => commandFiles.includes(name)), []);
	});
}
