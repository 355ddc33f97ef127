// A throw-away Debian `sks` keyserver on loopback, for the keyserver tests and `umbra demo`.
//
// Debian's sks 1.1.6 resolves every path under -basedir as <basedir>/var/lib/sks (the database),
// <basedir>/var/log/sks, <basedir>/etc/sks/sksconf and <basedir>/var/run/sks, so all four are
// made here; without -basedir it would write to the system's /var/lib/sks. `sks db` refuses to
// open a database that was never built (Keydb.Unsafe.No_dbb), so an empty dump is built first,
// which takes milliseconds. Only `sks db` runs: no recon, no membership peers, no mail sync, so
// it contacts nobody and serves HKP on 127.0.0.1 alone.
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {request} from 'node:http';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {findExecutable, MissingSystemToolError, systemTools} from '../system-tools.js';

export type SksOptions = {
	/** Parent folder for the server's files; a fresh subfolder is made in it. Default: the OS temp folder. */
	directory?: string;
	/**
	 * sks is killed when this process dies, even by kill -9, so a crashed test run leaves no
	 * keyserver behind. Default: this process.
	 */
	ownerPid?: number;
	/** Receives sks's log lines and the harness's own. */
	log?: (line: string) => void;
	/** How long to wait for the HKP port to answer. Default 20 s. */
	startTimeoutMs?: number;
};

export type SksServer = {
	readonly host: '127.0.0.1';
	/** The HKP port. */
	readonly port: number;
	readonly pid: number;
	/** hkp://127.0.0.1:<port>, the form fetchCertificate takes. */
	readonly url: string;
	/** Milliseconds from startSks to the first HKP answer. */
	readonly startMs: number;
	/** Loads a key with HKP `POST /pks/add`; throws unless sks answers 200. */
	addKey(armored: string): Promise<void>;
	/** Kills sks (and its watchdog) by PID and removes its folder. Safe to call twice. */
	stop(): Promise<void>;
};

/** A port that was free a moment ago; sks binds it itself, so a lost race is retried in startSks. */
async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => {
				if (address && typeof address === 'object') {
					resolve(address.port);
				} else {
					reject(new Error('could not pick a free port'));
				}
			});
		});
	});
}

function writeLayout(base: string, hkpPort: number, reconPort: number): void {
	for (const folder of ['var/lib/sks', 'var/log/sks', 'etc/sks', 'var/run/sks']) {
		mkdirSync(join(base, folder), {recursive: true, mode: 0o700});
	}

	writeFileSync(join(base, 'etc/sks/sksconf'), [
		'hostname: localhost',
		'hkp_address: 127.0.0.1',
		`hkp_port: ${hkpPort}`,
		// sks db does not run recon, but pin it to loopback too in case a later step does.
		'recon_address: 127.0.0.1',
		`recon_port: ${reconPort}`,
		'disable_mailsync:',
		'dontgossip:',
		'debuglevel: 3',
		'',
	].join('\n'));
	writeFileSync(join(base, 'etc/sks/membership'), '');
	writeFileSync(join(base, 'etc/sks/mailsync'), '');
	writeFileSync(join(base, 'empty.pgp'), '');
}

/** Keeps the last lines of a child's output, for error messages, and passes each line on. */
function collectLines(child: ChildProcess, log: (line: string) => void): string[] {
	const tail: string[] = [];
	const onData = (chunk: Buffer) => {
		for (const line of chunk.toString('utf8').split('\n')) {
			if (line.trim() === '') {
				continue;
			}

			tail.push(line);
			if (tail.length > 20) {
				tail.shift();
			}

			log(`sks: ${line}`);
		}
	};

	child.stdout?.on('data', onData);
	child.stderr?.on('data', onData);
	return tail;
}

async function buildEmptyDatabase(sks: string, base: string, log: (line: string) => void): Promise<void> {
	const child = spawn(sks, ['build', join(base, 'empty.pgp'), '-basedir', base, '-stdoutlog'], {cwd: base, stdio: ['ignore', 'pipe', 'pipe']});
	const tail = collectLines(child, log);
	const code = await new Promise<number | string>(resolve => {
		child.once('error', error => resolve(error.message));
		child.once('exit', (status, signal) => resolve(status ?? signal ?? 'unknown'));
	});
	if (code !== 0) {
		throw new Error(`\`sks build\` failed (${code}): ${tail.join(' | ')}`);
	}
}

/** One GET that only sks answers the way we expect: a miss is a 404 from `sks_www`. */
async function answersAsSks(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const probe = request({host: '127.0.0.1', port, path: '/pks/lookup?op=get&options=mr&search=0x0000000000000000', agent: false, timeout: 1000}, response => {
			response.resume();
			resolve(String(response.headers.server ?? '').startsWith('sks'));
		});
		probe.once('timeout', () => probe.destroy());
		probe.once('error', () => resolve(false));
		probe.end();
	});
}

/** Polls until sks answers, it exits, or the deadline passes; never longer than timeoutMs. */
async function waitUntilServing(child: ChildProcess, port: number, timeoutMs: number): Promise<'serving' | 'exited' | 'timeout'> {
	const deadline = Date.now() + timeoutMs;
	let exited = child.exitCode !== null || child.signalCode !== null;
	child.once('exit', () => {
		exited = true;
	});
	while (Date.now() < deadline) {
		if (exited) {
			return 'exited';
		}

		if (await answersAsSks(port)) {
			return 'serving';
		}

		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
	}

	return 'timeout';
}

/**
 * A shell that kills sks and removes its folder once the owner process is gone, so even a
 * kill -9 of the test runner leaves nothing running. It exits by itself when sks does.
 */
function startWatchdog(ownerPid: number, sksPid: number, base: string): ChildProcess {
	const script = 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill "$2" 2>/dev/null; rm -rf "$3"';
	const watchdog = spawn('/bin/sh', ['-c', script, 'sks-watchdog', String(ownerPid), String(sksPid), base], {detached: true, stdio: 'ignore'});
	watchdog.unref();
	return watchdog;
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
		return;
	}

	const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
	process.kill(child.pid, 'SIGTERM');
	const timer = setTimeout(() => {
		if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
			process.kill(child.pid, 'SIGKILL');
		}
	}, timeoutMs);
	await exited;
	clearTimeout(timer);
}

export async function addKeyToHkp(host: string, port: number, armored: string): Promise<void> {
	const body = `keytext=${encodeURIComponent(armored)}`;
	const {status, text} = await new Promise<{status: number; text: string}>((resolve, reject) => {
		const post = request({
			host, port, path: '/pks/add', method: 'POST', agent: false, timeout: 10_000,
			headers: {'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body)},
		}, response => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.once('end', () => resolve({status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')}));
			response.once('error', reject);
		});
		post.once('timeout', () => post.destroy(new Error('POST /pks/add timed out')));
		post.once('error', reject);
		post.end(body);
	});
	if (status !== 200) {
		throw new Error(`POST /pks/add answered ${status}: ${text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200)}`);
	}
}

/**
 * Builds an empty database in a fresh folder and runs `sks db` on free loopback ports.
 * Throws MissingSystemToolError (with the install command) when sks is not installed.
 */
export async function startSks(options: SksOptions = {}): Promise<SksServer> {
	const sks = findExecutable(systemTools.sks.command);
	if (sks === undefined) {
		throw new MissingSystemToolError([systemTools.sks]);
	}

	const log = options.log ?? (() => {});
	const started = Date.now();
	const ownerPid = options.ownerPid ?? process.pid;
	const parent = options.directory ?? tmpdir();
	mkdirSync(parent, {recursive: true});
	let lastFailure = '';
	// Another program may take a free port between our check and sks's bind; try fresh ports.
	for (let attempt = 1; attempt <= 3; attempt++) {
		const base = mkdtempSync(join(parent, 'umbra-sks-'));
		let child: ChildProcess | undefined;
		try {
			const port = await freePort();
			writeLayout(base, port, await freePort());
			await buildEmptyDatabase(sks, base, log);
			const server = spawn(sks, ['db', '-basedir', base, '-stdoutlog'], {cwd: base, stdio: ['ignore', 'pipe', 'pipe']});
			child = server;
			const tail = collectLines(server, log);
			const spawnError = new Promise<Error>(resolve => server.once('error', resolve));
			if (server.pid === undefined) {
				throw await spawnError;
			}

			const watchdog = startWatchdog(ownerPid, server.pid, base);
			const outcome = await waitUntilServing(server, port, options.startTimeoutMs ?? 20_000);
			if (outcome !== 'serving') {
				lastFailure = `sks db ${outcome === 'exited' ? 'exited' : 'did not answer in time'}: ${tail.join(' | ')}`;
				await stopChild(server, 2000);
				if (watchdog.pid !== undefined) {
					try {
						process.kill(watchdog.pid, 'SIGTERM');
					} catch {
						// Already gone with sks.
					}
				}

				rmSync(base, {recursive: true, force: true});
				continue;
			}

			const startMs = Date.now() - started;
			log(`sks serving HKP on 127.0.0.1:${port} (pid ${server.pid}) after ${startMs} ms`);
			let stopped: Promise<void> | undefined;
			return {
				host: '127.0.0.1',
				port,
				pid: server.pid,
				url: `hkp://127.0.0.1:${port}`,
				startMs,
				addKey: async armored => addKeyToHkp('127.0.0.1', port, armored),
				stop: async () => {
					stopped ??= (async () => {
						await stopChild(server, 5000);
						if (watchdog.pid !== undefined) {
							try {
								process.kill(watchdog.pid, 'SIGTERM');
							} catch {
								// It noticed sks exit and left already.
							}
						}

						rmSync(base, {recursive: true, force: true});
					})();
					return stopped;
				},
			};
		} catch (error) {
			if (child) {
				await stopChild(child, 2000);
			}

			rmSync(base, {recursive: true, force: true});
			throw error;
		}
	}

	throw new Error(`sks did not start after 3 attempts; last: ${lastFailure}`);
}
