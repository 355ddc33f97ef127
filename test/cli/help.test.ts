// --help and --version of the built CLI, run as `node dist/cli.js` and through the bin (a
// symlink named umbra, executed directly: that checks the shebang and the executable bit), and
// the usage exit code for an unknown command or flag.
import assert from 'node:assert/strict';
import {readFileSync, symlinkSync} from 'node:fs';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {commands} from '../../source/commands/index.js';
import {flagName} from '../../source/commands/command.js';
import {exitCodes} from '../../source/exit-codes.js';
import {flagLabel} from '../../source/help.js';
import {cliPath, root, runUmbra, temporaryFolder} from './run-umbra.js';

const {version} = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string};

describe('umbra --help and --version', () => {
	const folder = temporaryFolder('help');
	after(() => {
		folder.remove();
	});

	it('prints the version of package.json, from dist/cli.js and through the bin', async () => {
		const bin = join(folder.path, 'umbra');
		symlinkSync(cliPath, bin);
		for (const options of [{}, {executable: bin}]) {
			const result = await runUmbra(['--version'], options);
			assert.equal(result.code, exitCodes.ok, result.stderr);
			assert.equal(result.stdout.trim(), version);
		}

		const help = await runUmbra(['--help'], {executable: bin});
		assert.equal(help.code, exitCodes.ok, help.stderr);
		assert.match(help.stdout, /Usage\s+\$ umbra/);
	});

	it('lists every command and exit code in the general help', async () => {
		const help = await runUmbra(['--help']);
		assert.equal(help.code, exitCodes.ok, help.stderr);
		for (const command of commands) {
			assert.match(help.stdout, new RegExp(`^ {4}${command.name} +\\S`, 'm'), `command ${command.name}`);
		}

		for (const code of Object.values(exitCodes)) {
			assert.match(help.stdout, new RegExp(`^ {4}${code} +\\S`, 'm'), `exit code ${code}`);
		}
	});

	it('lists each flag of each command in that command\'s --help', async () => {
		assert.ok(['init', 'id', 'import', 'contacts'].every(name => commands.some(command => command.name === name)), 'the identity and contact commands are in the table');
		// One at a time: nine Node start-ups at once on two busy cores can take longer than a run's bound.
		const results = [];
		for (const command of commands) {
			results.push({command, result: await runUmbra([command.name, '--help'])});
		}
		for (const {command, result} of results) {
			assert.equal(result.code, exitCodes.ok, `${command.name} --help: ${result.stderr}`);
			assert.ok(result.stdout.includes(`$ ${command.usage}`), `${command.name} usage`);
			for (const [key, spec] of Object.entries(command.flags)) {
				const line = result.stdout.split('\n').find(row => row.startsWith(`    ${flagLabel(key, spec)} `));
				assert.ok(line, `${command.name} --help lacks ${flagName(key)}`);
				assert.ok(line.trimEnd().endsWith(spec.description), `${command.name} ${flagName(key)} has its description`);
			}
		}
	});

	it('exits with the usage code for an unknown command, flag, action or flag value, in one line each', async () => {
		const [command, flag, short, general, extra, output] = await Promise.all([
			runUmbra(['frobnicate']),
			runUmbra(['id', '--frobnicate']),
			runUmbra(['contacts', '-z']),
			runUmbra(['--frobnicate']),
			runUmbra(['contacts', 'frobnicate']),
			runUmbra(['bot', '--output', 'xml']),
		]);
		assert.equal(command.stderr, 'umbra: unknown command "frobnicate". Run `umbra --help` for the list of commands.\n');
		assert.equal(flag.stderr, 'umbra: unknown flag --frobnicate for umbra id; see umbra id --help\n');
		assert.equal(short.stderr, 'umbra: unknown flag -z for umbra contacts; see umbra contacts --help\n');
		assert.equal(general.stderr, 'umbra: unknown flag --frobnicate for umbra; see umbra --help\n');
		assert.match(extra.stderr, /^umbra: unknown action "frobnicate" for umbra contacts\. Usage: /);
		assert.equal(output.stderr, 'umbra: --output is one of json, text, not "xml"; see umbra bot --help\n');
		for (const result of [command, flag, short, general, extra, output]) {
			assert.equal(result.code, exitCodes.usage, result.stderr);
			assert.equal(result.stdout, '', 'nothing on standard output');
			assert.equal(result.stderr.match(/umbra:/g)?.length, 1, `one umbra: prefix in ${result.stderr}`);
		}
	});
});
