// Makes a fresh clone runnable: installs the npm dependencies (npm ci) when node_modules is
// missing or older than package-lock.json, and builds dist/ when asked (--build) and stale.
// Plain JavaScript with no dependencies, because it runs before there are any. System packages
// (tor, gnupg, sks, tmux) are installed later by the code that needs them (scripts/test.ts,
// `umbra demo`): with apt-get as root, otherwise with a loud error that prints the command.
import {spawnSync} from 'node:child_process';
import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';

const root = join(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args) {
	process.stderr.write(`[bootstrap] ${command} ${args.join(' ')}\n`);
	const result = spawnSync(command, args, {cwd: root, stdio: 'inherit'});
	if (result.status !== 0) {
		process.stderr.write(`[bootstrap] \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}). Fix the error above and run it again.\n`);
		process.exit(result.status ?? 1);
	}
}

function mtime(path) {
	return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** Newest modification time of any file under a directory. */
function newest(directory) {
	let latest = 0;
	for (const entry of readdirSync(directory, {withFileTypes: true})) {
		const path = join(directory, entry.name);
		latest = Math.max(latest, entry.isDirectory() ? newest(path) : mtime(path));
	}

	return latest;
}

// npm ci writes node_modules/.package-lock.json last; its absence means no (or a broken) install.
const installed = join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(join(root, 'package-lock.json'))) {
	run(npm, ['ci', '--no-audit', '--no-fund']);
}

if (process.argv.includes('--build') && mtime(join(root, 'dist', 'cli.js')) < Math.max(newest(join(root, 'source')), mtime(join(root, 'package.json')))) {
	run(npm, ['run', 'build']);
}
