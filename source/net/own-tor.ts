// A tor process umbra starts and owns: the user's own tor when no system tor will do (network
// on, data kept in the data directory), and the throwaway tors of the control-port tests
// (DisableNetwork 1: no connection to anything, up in well under a second, and still answering
// PROTOCOLINFO, AUTHENTICATE, GETINFO, SETEVENTS and ADD_ONION/DEL_ONION like a connected tor).
import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {findExecutable, MissingSystemToolError, systemTools} from './system-tools.js';

export type SpawnTorOptions = {
	/** Where tor keeps its files; default a fresh directory under /tmp (short, for the socket). */
	directory?: string;
	/** Adds HashedControlPassword for this password. */
	password?: string;
	/** CookieAuthentication; default true. With no cookie and no password tor asks for nothing (NULL). */
	cookie?: boolean;
	/** Also open a Unix ControlSocket; default true. */
	controlSocket?: boolean;
	/** Tor exits when this process does (__OwningControllerProcess); default this process. */
	ownerPid?: number;
	/** How long tor may take to open its control port; default 20 s. */
	startTimeoutMs?: number;
	torPath?: string;
	/** Let tor reach the network (DisableNetwork 0) with a SOCKS port on 127.0.0.1:auto; default false. */
	network?: boolean;
	/** Keep tor's DataDirectory (the consensus cache) when stopped; default false. */
	keepDataOnStop?: boolean;
	/** More torrc lines, e.g. a private network's DirAuthority lines. */
	extraLines?: readonly string[];
};

export type SpawnedTor = {
	controlPort: number;
	controlSocketPath?: string;
	cookieFile: string;
	password?: string;
	pid: number;
	directory: string;
	/** Kills tor by PID, waits for it to exit, and removes the directory unless asked to keep it. */
	stop(options?: {keepDirectory?: boolean}): Promise<void>;
};

// sockaddr_un.sun_path is 108 bytes including the terminating NUL.
const maxSocketPathBytes = 107;

export async function spawnTor(options: SpawnTorOptions = {}): Promise<SpawnedTor> {
	const torPath = options.torPath ?? findExecutable(systemTools.tor.command);
	if (torPath === undefined) {
		throw new MissingSystemToolError([systemTools.tor]);
	}

	if (options.directory !== undefined && options.controlSocket !== false && Buffer.byteLength(join(options.directory, 'control.sock')) > maxSocketPathBytes) {
		throw new Error(`the control socket path in ${options.directory} would be longer than ${maxSocketPathBytes} bytes; use a shorter directory`);
	}

	const directory = options.directory ?? await mkdtemp(join(existsSync('/tmp') ? '/tmp' : tmpdir(), 'umbra-tor-'));
	await mkdir(join(directory, 'data'), {recursive: true, mode: 0o700});
	const cookie = options.cookie ?? true;
	const portFile = join(directory, 'control-port');
	const cookieFile = join(directory, 'control_auth_cookie');
	const socketPath = options.controlSocket === false ? undefined : join(directory, 'control.sock');

	const lines = [
		`DataDirectory ${join(directory, 'data')}`,
		...(options.network ? ['SocksPort 127.0.0.1:auto'] : ['DisableNetwork 1', 'SocksPort 0']),
		'ControlPort 127.0.0.1:auto',
		`ControlPortWriteToFile ${portFile}`,
		...(socketPath === undefined ? [] : [`ControlSocket ${socketPath}`]),
		`CookieAuthentication ${cookie ? 1 : 0}`,
		...(cookie ? [`CookieAuthFile ${cookieFile}`] : []),
		...(options.password === undefined ? [] : [`HashedControlPassword ${hashPassword(torPath, options.password)}`]),
		`Log notice file ${join(directory, 'notice.log')}`,
		'RunAsDaemon 0',
		'AvoidDiskWrites 1',
		`__OwningControllerProcess ${options.ownerPid ?? process.pid}`,
		...options.extraLines ?? [],
	];
	const torrc = join(directory, 'torrc');
	await writeFile(torrc, `${lines.join('\n')}\n`);
	// A kept directory holds the last run's port and cookie files: never read those as this run's.
	await Promise.all([portFile, cookieFile].map(async path => rm(path, {force: true})));
	await writeFile(join(directory, 'torrc-defaults'), '');

	// An empty defaults file keeps /etc/tor/torrc-defaults out of the test.
	const child = spawn(torPath, ['-f', torrc, '--defaults-torrc', join(directory, 'torrc-defaults')], {stdio: ['ignore', 'pipe', 'pipe']});
	let output = '';
	const keep = (chunk: Buffer) => {
		output = (output + chunk.toString('utf8')).slice(-4000);
	};

	child.on('error', () => {
		// Reported through the spawn check below or by the exit wait.
	});
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const exited = new Promise<void>(resolve => {
		if (child.exitCode !== null || child.signalCode !== null) {
			resolve();
		} else {
			child.once('exit', () => resolve());
		}
	});
	let running = true;
	void exited.then(() => {
		running = false;
	});
	const stopped = async (keepDirectory = false) => {
		if (running && child.pid !== undefined) {
			signal(child.pid, 'SIGTERM');
			// A stopped (SIGSTOP) or wedged tor ignores SIGTERM.
			const killer = setTimeout(() => signal(child.pid!, 'SIGKILL'), 5000);
			await exited;
			clearTimeout(killer);
		}

		child.stdout.destroy();
		child.stderr.destroy();
		if (!keepDirectory) {
			await rm(directory, {recursive: true, force: true});
		}
	};

	try {
		if (child.pid === undefined) {
			await new Promise((_resolve, reject) => child.once('error', reject));
		}

		const controlPort = await waitForPort(portFile, cookie ? cookieFile : undefined, socketPath, () => running, options.startTimeoutMs ?? 20_000);
		return {
			controlPort,
			...(socketPath === undefined ? {} : {controlSocketPath: socketPath}),
			cookieFile,
			...(options.password === undefined ? {} : {password: options.password}),
			pid: child.pid!,
			directory,
			stop: async stopOptions => stopped(stopOptions?.keepDirectory ?? options.keepDataOnStop),
		};
	} catch (error) {
		const log = await readFile(join(directory, 'notice.log'), 'utf8').catch(() => '');
		await stopped(false);
		throw new Error(`the disposable tor did not start: ${(error as Error).message}\n${(log || output).slice(-2000)}`, {cause: error});
	}
}

function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch {
		// It exited in the meantime.
	}
}

/** `tor --hash-password` prints the hash on its last line. */
function hashPassword(torPath: string, password: string): string {
	const result = spawnSync(torPath, ['--quiet', '--hash-password', password], {encoding: 'utf8'});
	const hash = result.stdout.trim().split('\n').at(-1) ?? '';
	if (result.status !== 0 || !/^16:[0-9A-F]+$/.test(hash)) {
		throw new Error(`tor --hash-password failed: ${result.stderr || result.stdout}`);
	}

	return hash;
}

/**
 * Waits until tor has written the port file (it does so once the control port listens), and the
 * cookie and socket exist. Tor signals nothing else we could wait on, so this polls the files,
 * bounded by the timeout and by tor exiting.
 */
async function waitForPort(portFile: string, cookieFile: string | undefined, socketPath: string | undefined, running: () => boolean, timeoutMs: number): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	while (true) {
		const text = await readFile(portFile, 'utf8').catch(() => '');
		const port = /^PORT=127\.0\.0\.1:(\d+)$/m.exec(text);
		if (port && (cookieFile === undefined || existsSync(cookieFile)) && (socketPath === undefined || existsSync(socketPath))) {
			return Number(port[1]);
		}

		if (!running()) {
			throw new Error('tor exited before opening its control port');
		}

		if (Date.now() > deadline) {
			throw new Error(`tor did not open its control port within ${timeoutMs} ms`);
		}

		await new Promise(resolve => setTimeout(resolve, 20));
	}
}
