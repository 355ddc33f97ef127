// umbra status: is everything umbra needs there? The store (opens with the passphrase), Tor
// (control port answers and authenticates, bootstrap is done, SOCKS port speaks SOCKS5) and the
// registry (relays over Tor, or the DHT directly: nodes answer). It starts the engine for no contact (only: []), so it publishes for and
// dials no one; the throwaway onion service it makes is removed on stop. Each check prints one
// line, and each failure says what to do; the exit code is that of the first failure.
import {connect} from 'node:net';
import {openEngine, type EngineApi, type EngineEvent, type Profile} from '../engine/index.js';
import {exitCodes, type ExitCode} from '../exit-codes.js';
import {numberFlag, stringFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, debugFlag, passphraseFileFlag} from './common-flags.js';
import {networkFlags, networkOptions} from './network-flags.js';
import {exitCodeFor} from './exit-code-for.js';
import {torNotReady} from './tor-state.js';
import {debugOption, openProfileFor} from './open.js';

const defaultTimeoutSeconds = 60;

type Check = {name: string; ok: boolean; detail: string; fix?: string; code?: ExitCode};

function errorText(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Does a SOCKS5 server answer the no-authentication greeting on host:port? */
async function socksAnswers(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
	return new Promise(resolve => {
		const socket = connect({host, port});
		const done = (problem: string | undefined) => {
			socket.destroy();
			resolve(problem);
		};

		socket.setTimeout(timeoutMs, () => {
			done(`no answer within ${timeoutMs} ms`);
		});
		socket.on('error', error => {
			done(error.message);
		});
		socket.on('connect', () => {
			socket.write(Buffer.from([5, 1, 0]));
		});
		socket.once('data', (data: Buffer) => {
			done(data[0] === 5 && data[1] === 0 ? undefined : 'it answered, but not as a SOCKS5 proxy without authentication');
		});
	});
}

async function waitFor(engine: EngineApi, predicate: () => boolean, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
	if (predicate()) {
		return true;
	}

	return new Promise(resolve => {
		const finish = (value: boolean) => {
			clearTimeout(timer);
			unsubscribe();
			signal.removeEventListener('abort', onAbort);
			resolve(value);
		};

		const onAbort = () => {
			finish(false);
		};

		const timer = setTimeout(() => {
			finish(predicate());
		}, timeoutMs);
		const unsubscribe = engine.subscribe((_event: EngineEvent) => {
			if (predicate()) {
				finish(true);
			}
		});
		signal.addEventListener('abort', onAbort, {once: true});
	});
}

/** engine.start(), given up at the deadline or on Ctrl-C: 'started', or why not. */
async function startWithin(engine: EngineApi, deadline: number, signal: AbortSignal): Promise<'started' | 'timeout' | 'aborted'> {
	let timer: NodeJS.Timeout | undefined;
	let onAbort: (() => void) | undefined;
	const started = engine.start();
	started.catch(() => undefined);
	try {
		return await Promise.race([
			started.then(() => 'started' as const),
			new Promise<'timeout'>(resolve => {
				timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
			}),
			new Promise<'aborted'>(resolve => {
				onAbort = () => resolve('aborted');
				signal.addEventListener('abort', onAbort, {once: true});
			}),
		]);
	} finally {
		clearTimeout(timer);
		if (onAbort) {
			signal.removeEventListener('abort', onAbort);
		}
	}
}

async function networkChecks(context: CommandContext, profile: Profile, network: ReturnType<typeof networkOptions>, deadline: number, timeoutSeconds: number): Promise<Check[]> {
	const checks: Check[] = [];
	const engine = await openEngine({profile, ...network, only: [], ...debugOption(context)});
	// Progress on standard error while it waits; the checks go to standard output at the end.
	const unsubscribe = engine.subscribe(event => {
		if (event.type === 'tor.bootstrap') {
			context.stderr.write(`umbra status: tor bootstrap ${event.progress} %${event.summary === '' ? '' : ` (${event.summary})`}\n`);
		}
	});
	try {
		let outcome: 'started' | 'timeout' | 'aborted';
		try {
			outcome = await startWithin(engine, deadline, context.signal);
		} catch (error) {
			return [{name: 'tor', ok: false, detail: errorText(error), fix: 'start tor (or install it: apt-get install tor), or name its control port with --tor-control PORT', code: exitCodeFor(error) === exitCodes.failure ? exitCodes.torUnreachable : exitCodeFor(error)}];
		}

		if (outcome !== 'started') {
			const why = torNotReady(engine.status()) ?? 'umbra did not finish starting';
			const detail = outcome === 'aborted' ? `interrupted: ${why}` : `not ready within ${timeoutSeconds} s: ${why}`;
			return [{name: 'tor', ok: false, detail, fix: 'check that this machine reaches the Tor network (or your bridges), and look at Tor\'s log; --timeout SECONDS waits longer', code: exitCodes.torUnreachable}];
		}

		const timeoutMs = Math.max(0, deadline - Date.now());
		const bootstrapped = await waitFor(engine, () => engine.status().tor.progress >= 100, timeoutMs, context.signal);
		const {tor} = engine.status();
		checks.push(bootstrapped
			? {name: 'tor', ok: true, detail: `control port answers, bootstrapped ${tor.progress}%${engine.status().onionUp ? ', onion service up' : ''}`}
			: {name: 'tor', ok: false, detail: `bootstrap stuck at ${tor.progress}% (${tor.summary})`, fix: 'check that this machine reaches the internet (or your bridges) and look at Tor\'s log', code: exitCodes.torUnreachable});

		const socks = stringFlag(context, 'torSocks');
		if (socks === undefined) {
			checks.push({name: 'socks', ok: true, detail: 'port taken from Tor (pass --tor-socks PORT to probe it)'});
		} else {
			// Checked as HOST:PORT or PORT (127.0.0.1) by network-flags.ts before anything ran.
			const [, host = '127.0.0.1', port = ''] = /^(?:(.+):)?(\d+)$/.exec(socks) ?? [];
			const problem = await socksAnswers(host, Number(port), Math.max(1, Math.min(deadline - Date.now(), 10_000)));
			checks.push(problem === undefined
				? {name: 'socks', ok: true, detail: `${host}:${port} speaks SOCKS5`}
				: {name: 'socks', ok: false, detail: `${host}:${port}: ${problem}`, fix: 'pass the SocksPort from your torrc as --tor-socks PORT', code: exitCodes.torUnreachable});
		}

		const registry = engine.status().registry;
		if (registry?.mode === 'relay') {
			const resting = registry.relays.filter(relay => relay.state === 'backing-off');
			checks.push({name: 'registry', ok: true, detail: `relays over Tor (no UDP from this machine): ${registry.relays.map(relay => relay.url).join(', ')}`});
			for (const relay of resting) {
				checks.push({name: 'relay', ok: false, detail: `${relay.url} is resting after failures: ${relay.lastError ?? 'unknown'}`, fix: 'wait, or name other relays with --registry-relay URL (or the registryRelays setting)', code: exitCodes.failure});
			}

			return checks;
		}

		checks.push({name: 'registry', ok: true, detail: 'DHT direct: DHT nodes see your IP address (use --registry relay to reach the registry over Tor)'});
		const reached = await waitFor(engine, () => engine.status().dhtNodes > 0, Math.max(0, deadline - Date.now()), context.signal);
		checks.push(reached
			? {name: 'dht', ok: true, detail: `${engine.status().dhtNodes} node(s) answer`}
			: {name: 'dht', ok: false, detail: 'no DHT node answered', fix: 'allow outgoing UDP, or name reachable nodes with --dht-bootstrap HOST:PORT', code: exitCodes.failure});
	} finally {
		unsubscribe();
		await engine.stop();
	}

	return checks;
}

export const statusCommand: Command = {
	name: 'status',
	usage: 'umbra status [--timeout SECONDS]',
	summary: 'Check the store, Tor and the registry, and say what to fix',
	description: [
		'Opens the store, connects to Tor (control port, bootstrap, SOCKS port), says how the registry is',
		'reached (relays over Tor, or "DHT direct: DHT nodes see your IP address") and, for direct, waits for DHT',
		'nodes; one line per check with what to fix. It comes online for no contact. Exit 0 when all is well,',
		'else the code of the first failure (3 wrong passphrase, 6 Tor, 1 DHT or relay, ...).',
	].join('\n'),
	flags: {
		timeout: {type: 'number', valueName: 'SECONDS', default: defaultTimeoutSeconds, description: `How long the whole check may take, Tor's bootstrap and DHT nodes included (default: ${defaultTimeoutSeconds})`},
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
		...networkFlags,
		debug: debugFlag,
	},
	async run(context) {
		const timeoutSeconds = numberFlag(context, 'timeout') ?? defaultTimeoutSeconds;
		if (!(timeoutSeconds > 0)) {
			throw new UsageError('--timeout must be a positive number of seconds.');
		}

		// Bad flags are usage errors before the passphrase is asked.
		const network = networkOptions(context);
		// --timeout bounds the whole command, not each wait.
		const deadline = Date.now() + timeoutSeconds * 1000;
		const checks: Check[] = [];
		let profile: Profile | undefined;
		try {
			profile = await openProfileFor(context);
			checks.push({name: 'store', ok: true, detail: `opened, ${profile.store.listContacts().length} contact(s)`});
			checks.push(...await networkChecks(context, profile, network, deadline, timeoutSeconds));
		} catch (error) {
			checks.push({name: profile ? 'engine' : 'store', ok: false, detail: errorText(error), code: exitCodeFor(error)});
		} finally {
			profile?.close();
		}

		for (const check of checks) {
			context.stdout.write(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(8)} ${check.detail}\n`);
			if (check.fix) {
				context.stdout.write(`      ${' '.repeat(8)} fix: ${check.fix}\n`);
			}
		}

		const failed = checks.find(check => !check.ok);
		return failed ? (failed.code ?? exitCodes.failure) : exitCodes.ok;
	},
};
