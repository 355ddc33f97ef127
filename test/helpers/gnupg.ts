// A throwaway GnuPG home for interop tests: never the user's ~/.gnupg. Its agent is stopped
// and the directory removed by close().
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export type GnupgHome = {
	home: string;
	/** Runs gpg in this home; throws with gpg's stderr when it fails. */
	gpg(arguments_: readonly string[], input?: string | Uint8Array): {stdout: Buffer; stderr: string};
	/** Runs gpg and returns its exit status instead of throwing. */
	gpgStatus(arguments_: readonly string[], input?: string | Uint8Array): {status: number | null; stdout: Buffer; stderr: string};
	close(): void;
};

export function requireGpg(): void {
	const probe = spawnSync('gpg', ['--version'], {encoding: 'utf8'});
	if (probe.error || probe.status !== 0) {
		throw new Error('gpg is not installed; these interop tests need it. Install it with: sudo apt-get install gnupg');
	}
}

export function makeGnupgHome(): GnupgHome {
	requireGpg();
	const home = mkdtempSync(join(tmpdir(), 'umbra-gnupg-'), {encoding: 'utf8'});
	execFileSync('chmod', ['700', home]);
	const base = ['--homedir', home, '--batch', '--no-tty', '--pinentry-mode', 'loopback'];
	const gpgStatus = (arguments_: readonly string[], input?: string | Uint8Array) => {
		const result = spawnSync('gpg', [...base, ...arguments_], {input, maxBuffer: 16 * 1024 * 1024});
		return {status: result.status, stdout: result.stdout, stderr: result.stderr.toString('utf8')};
	};

	// Start the agent now and make sure it answers, so the first secret-key operation of a test
	// does not race the agent's start-up on a loaded machine.
	const launched = spawnSync('gpg-connect-agent', ['--homedir', home, '/bye'], {encoding: 'utf8'});
	if (launched.status !== 0) {
		rmSync(home, {recursive: true, force: true});
		throw new Error(`gpg-agent did not start for ${home}: ${launched.stderr}`);
	}

	return {
		home,
		gpgStatus,
		gpg(arguments_, input) {
			const result = gpgStatus(arguments_, input);
			if (result.status !== 0) {
				throw new Error(`gpg ${arguments_.join(' ')} failed (${result.status}): ${result.stderr}`);
			}

			return result;
		},
		close() {
			spawnSync('gpgconf', ['--homedir', home, '--kill', 'all']);
			rmSync(home, {recursive: true, force: true});
		},
	};
}

/** Fingerprint of the key gpg lists for `userId`, from the colon format. */
export function fingerprintOf(gnupg: GnupgHome, userId: string): string {
	const listing = gnupg.gpg(['--with-colons', '--list-keys', userId]).stdout.toString('utf8');
	const line = listing.split('\n').find(row => row.startsWith('fpr:'));
	const fingerprint = line?.split(':')[9];
	if (!fingerprint) {
		throw new Error(`no fingerprint for ${userId} in: ${listing}`);
	}

	return fingerprint;
}
