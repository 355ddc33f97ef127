// Identity keys of a private network's directory authorities, made with tor's own tools,
// and the hashed control password of its clients.
import {execFile} from 'node:child_process';
import {mkdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

export type AuthorityKeys = {readonly v3Identity: string; readonly fingerprint: string};

async function runTool(program: string, arguments_: readonly string[], input?: string): Promise<string> {
	const child = run(program, arguments_, {encoding: 'utf8', timeout: 60_000, maxBuffer: 4 * 1024 * 1024});
	if (input !== undefined) {
		child.child.stdin?.end(input);
	}

	try {
		return (await child).stdout;
	} catch (error) {
		const {stderr, stdout} = error as {stderr?: string; stdout?: string};
		throw new Error(`${program} ${arguments_.join(' ')} failed: ${(error as Error).message}\n${stderr ?? ''}${stdout ?? ''}`.trim(), {cause: error});
	}
}

/**
 * Makes the authority identity, signing key and certificate in `dataDirectory/keys` and the
 * relay identity key, and returns the two fingerprints the DirAuthority line needs. The
 * relay fingerprint is read before the torrc exists: TestingTorNetwork would be refused
 * without DirAuthority lines, and --list-fingerprint needs an ORPort (any will do).
 */
export async function makeAuthorityKeys(tools: {readonly tor: string; readonly torGencert: string}, dataDirectory: string, dirPort: number): Promise<AuthorityKeys> {
	const keys = join(dataDirectory, 'keys');
	await mkdir(keys, {recursive: true, mode: 0o700});
	await runTool(tools.torGencert, [
		'--create-identity-key', '--passphrase-fd', '0', '-m', '12', '-a', `127.0.0.1:${dirPort}`,
		'-i', join(keys, 'authority_identity_key'), '-s', join(keys, 'authority_signing_key'), '-c', join(keys, 'authority_certificate'),
	], '\n');
	const certificate = await readFile(join(keys, 'authority_certificate'), 'utf8');
	const v3Identity = /^fingerprint ([\dA-F]{40})$/m.exec(certificate)?.[1];
	if (!v3Identity) {
		throw new Error(`tor-gencert wrote no fingerprint line to ${join(keys, 'authority_certificate')}`);
	}

	const listing = await runTool(tools.tor, ['--defaults-torrc', '/dev/null', '-f', '/dev/null', '--ignore-missing-torrc', '--DataDirectory', dataDirectory, '--ORPort', '1', '--list-fingerprint']);
	const lastLine = listing.trim().split('\n').at(-1) ?? '';
	const fingerprint = /^\S+ ((?:[\dA-F]{4} ?){10})$/.exec(lastLine)?.[1]?.replaceAll(' ', '');
	if (!fingerprint || fingerprint.length !== 40) {
		throw new Error(`tor --list-fingerprint printed no fingerprint; its last line was: ${lastLine}`);
	}

	return {v3Identity, fingerprint};
}

/** The HashedControlPassword value for `password` (`16:…`, the last line tor prints). */
export async function hashControlPassword(tor: string, password: string): Promise<string> {
	const output = await runTool(tor, ['--defaults-torrc', '/dev/null', '-f', '/dev/null', '--ignore-missing-torrc', '--quiet', '--hash-password', password]);
	const hashed = output.trim().split('\n').at(-1)?.trim() ?? '';
	if (!/^16:[\dA-F]+$/.test(hashed)) {
		throw new Error(`tor --hash-password printed no hash; it printed: ${output.trim()}`);
	}

	return hashed;
}
