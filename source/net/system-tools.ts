// Finding the system programs umbra and its test harness run (tor, gpg, sks, tmux, openssl, script),
// and saying, or doing, what installs them when they are missing.
import {accessSync, constants} from 'node:fs';
import {delimiter, join} from 'node:path';
import {spawnSync} from 'node:child_process';
import process from 'node:process';

/** A program and the Debian package that ships it. */
export type SystemTool = {readonly command: string; readonly debianPackage: string};

export const systemTools = {
	tor: {command: 'tor', debianPackage: 'tor'},
	torGencert: {command: 'tor-gencert', debianPackage: 'tor'},
	gpg: {command: 'gpg', debianPackage: 'gnupg'},
	sks: {command: 'sks', debianPackage: 'sks'},
	tmux: {command: 'tmux', debianPackage: 'tmux'},
	/** The relay's HTTPS test makes its own CA with it. */
	openssl: {command: 'openssl', debianPackage: 'openssl'},
	/** util-linux `script`: the pseudo-terminal of the prompt tests. */
	script: {command: 'script', debianPackage: 'bsdutils'},
} as const satisfies Record<string, SystemTool>;

// Debian installs tor in /usr/sbin, which a non-root PATH often lacks.
const extraDirectories = ['/usr/sbin', '/sbin', '/usr/local/sbin'];

/** The absolute path of `command`, or undefined when it is not installed. */
export function findExecutable(command: string, pathVariable = process.env['PATH'] ?? ''): string | undefined {
	const directories = [...pathVariable.split(delimiter).filter(Boolean), ...extraDirectories];
	for (const directory of directories) {
		const candidate = join(directory, command);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not here; try the next directory.
		}
	}

	return undefined;
}

export function installCommand(tools: readonly SystemTool[]): string {
	const packages = [...new Set(tools.map(tool => tool.debianPackage))].join(' ');
	return `apt-get update && apt-get install -y --no-install-recommends ${packages}`;
}

export class MissingSystemToolError extends Error {
	constructor(readonly missing: readonly SystemTool[]) {
		const names = missing.map(tool => tool.command).join(', ');
		super(`${names} ${missing.length === 1 ? 'is' : 'are'} not installed. Install with: sudo ${installCommand(missing)}`);
		this.name = 'MissingSystemToolError';
	}
}

/**
 * Makes sure every tool is installed: as root it runs apt-get (and stops the system
 * tor service that Debian's package may start, so nothing reaches the real Tor network);
 * otherwise it throws an error that carries the install command.
 */
export function ensureSystemTools(tools: readonly SystemTool[], log: (line: string) => void = () => {}): void {
	let missing = tools.filter(tool => findExecutable(tool.command) === undefined);
	if (missing.length === 0) {
		return;
	}

	if (process.getuid?.() !== 0) {
		throw new MissingSystemToolError(missing);
	}

	log(`installing ${missing.map(tool => tool.debianPackage).join(' ')} with apt-get`);
	const environment = {...process.env, DEBIAN_FRONTEND: 'noninteractive'};
	for (const argv of [['apt-get', 'update', '-qq'], ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...new Set(missing.map(tool => tool.debianPackage))]]) {
		const result = spawnSync(argv[0]!, argv.slice(1), {stdio: ['ignore', 'ignore', 'inherit'], env: environment});
		if (result.status !== 0) {
			throw new Error(`\`${argv.join(' ')}\` failed with status ${result.status ?? result.signal}. Run it by hand to see why.`);
		}
	}

	if (findExecutable('systemctl') !== undefined && missing.some(tool => tool.debianPackage === 'tor')) {
		spawnSync('systemctl', ['disable', '--now', 'tor'], {stdio: 'ignore'});
	}

	missing = tools.filter(tool => findExecutable(tool.command) === undefined);
	if (missing.length > 0) {
		throw new MissingSystemToolError(missing);
	}
}
