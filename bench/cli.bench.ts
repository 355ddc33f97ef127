// CLI cold start, bundled (esbuild, scripts/bundle.ts) against unbundled (tsc's dist/cli.js), with
// `node -e 0` as the floor: what Node itself costs before umbra's first line runs.
//
// - `umbra --version`: spawn to exit.
// - `umbra bot`: spawn to its first NDJSON event on stdout (profile unlocked, engine starting),
//   with a closed loopback port as its tor control port, so it stops right after.
// - `umbra bot` to ready: spawn to its `ready` event, against a client of a private Tor network
//   and a loopback DHT swarm started for this benchmark. Ready means the onion service's
//   descriptor is uploaded, so the floor is `node -e 0` plus a raw ADD_ONION until tor reports
//   the upload, on the same tor, in the same round.
//
// Both builds are made into node_modules/.cache/umbra-bench first (reused while the source is
// byte for byte the same), so a rebuild of dist/ by someone else during the run cannot change
// what is measured. Runs rotate the order.
//
//   node --import tsx bench/cli.bench.ts
import {execFileSync, spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {startDhtSwarm} from '../source/net/testnet/dht-swarm.js';
import {startTorNetwork} from '../source/net/testnet/tor-network.js';
import {TorControl} from '../source/net/tor-control.js';
import {markdownTable, pairedRow, type BenchRow, type Pair} from './stats.js';

const root = join(import.meta.dirname, '..');

/** A digest of everything the build reads, so a cached build is reused only for the same source. */
function sourceDigest(): string {
	const hash = createHash('sha256');
	const files = [
		join(root, 'package.json'),
		join(root, 'tsconfig.json'),
		join(root, 'tsconfig.build.json'),
		join(root, 'scripts', 'bundle.ts'),
		...readdirSync(join(root, 'source'), {withFileTypes: true, recursive: true}).filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name)),
	].sort();
	for (const file of files) {
		hash.update(file).update('\0').update(readFileSync(file)).update('\0');
	}

	return hash.digest('hex');
}

let builds: {unbundled: string; bundled: string} | undefined;

/** Both builds of the current source, in a directory of their own (once per process); returns their entry files. */
export function prepareBuilds(log: (line: string) => void): {unbundled: string; bundled: string} {
	builds ??= buildBoth(log);
	return builds;
}

function buildBoth(log: (line: string) => void): {unbundled: string; bundled: string} {
	const directory = join(root, 'node_modules', '.cache', 'umbra-bench');
	const digest = sourceDigest();
	const digestFile = join(directory, 'source-digest');
	const unbundled = join(directory, 'dist', 'cli.js');
	const bundled = join(directory, 'dist', 'umbra.mjs');
	if (existsSync(digestFile) && readFileSync(digestFile, 'utf8') === digest && existsSync(unbundled) && existsSync(bundled)) {
		log('reusing the builds of an earlier run: the source is the same');
		return {unbundled, bundled};
	}

	// Not dist/: someone may rebuild it during the run, and it may be older than the source.
	log('building the current source with tsc and esbuild (about a minute)');
	rmSync(directory, {recursive: true, force: true});
	try {
		execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(directory, 'dist')], {stdio: 'inherit'});
	} catch (error) {
		// tsc still emits when someone's work in progress has type errors; only no output is fatal.
		if (!existsSync(unbundled)) {
			throw error;
		}
	}

	// Package scope stops at node_modules: this copy makes dist's .js files ES modules and gives meow the version.
	cpSync(join(root, 'package.json'), join(directory, 'package.json'));
	execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'bundle.ts'), '--outfile', bundled], {cwd: root, stdio: 'inherit'});
	writeFileSync(digestFile, digest);
	return {unbundled, bundled};
}

/**
 * ms from spawn to exit, or to the first line on stdout that matches `untilLine`; the child is
 * then stopped by its PID (SIGTERM, which the bot answers with bye and exit 0).
 */
async function timeProcess(args: readonly string[], options: {untilLine?: RegExp; env?: NodeJS.ProcessEnv} = {}): Promise<number> {
	const start = performance.now();
	const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
	const {untilLine} = options;
	if (untilLine) {
		const line = new Promise<number>((resolve, reject) => {
			let text = '';
			child.stdout.on('data', (chunk: Buffer) => {
				text += chunk.toString();
				if (text.split('\n').slice(0, -1).some(complete => untilLine.test(complete))) {
					resolve(performance.now() - start);
				}
			});
			void exited.then(code => reject(new Error(`node ${args.join(' ')} exited (${code}) before writing a line matching ${String(untilLine)}: ${stderr}`)));
		});
		try {
			return await line;
		} finally {
			child.kill('SIGTERM');
			await exited;
		}
	}

	child.stdout.resume();
	const code = await exited;
	if (code !== 0) {
		throw new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`);
	}

	return performance.now() - start;
}

/** A raw ADD_ONION on `control` until tor reports the descriptor uploaded, in ms; then DEL_ONION. */
async function rawOnionMs(control: TorControl): Promise<number> {
	const start = performance.now();
	const {serviceId} = await control.addOnion({virtualPort: 1, targetPort: 9});
	try {
		await control.waitForDescriptorUpload(serviceId, {timeoutMs: 60_000});
		return performance.now() - start;
	} finally {
		await control.delOnion(serviceId);
	}
}

export async function run(options: {runs?: number; log?: (line: string) => void} = {}): Promise<BenchRow[]> {
	const {runs = 7} = options;
	const log = options.log ?? (line => process.stderr.write(`[cli] ${line}\n`));
	const builds = prepareBuilds(log);
	const scratch = mkdtempSync(join(tmpdir(), 'umbra-bench-cli-'));
	const cleanups: Array<() => Promise<unknown>> = [];
	try {
		log('starting a private Tor network (one client) and a 10-node loopback DHT swarm for `umbra bot` to ready');
		const network = await startTorNetwork({clients: 1, directory: scratch, log});
		cleanups.unshift(async () => network.stop());
		const swarm = await startDhtSwarm({size: 10});
		cleanups.unshift(async () => swarm.stop());
		const [client] = network.description.clients;
		const control = await TorControl.connect({host: '127.0.0.1', port: client!.controlPort}, {password: client!.password, authMethods: ['HASHEDPASSWORD']});
		cleanups.unshift(async () => control.close());
		await control.setEvents(['HS_DESC']);

		const passphraseFile = join(scratch, 'passphrase');
		writeFileSync(passphraseFile, 'bench passphrase\n');
		chmodSync(passphraseFile, 0o600);
		const dataDir = join(scratch, 'data');
		execFileSync(process.execPath, [builds.unbundled, 'init', '--data-dir', dataDir, '--passphrase-file', passphraseFile, '--user-id', 'Bench <bench@example.org>'], {stdio: 'ignore'});
		// CI=true would not matter here, but NODE_ENV would: leave both as the user's shell has them.
		const bot = ['bot', '--data-dir', dataDir, '--passphrase-file', passphraseFile, '--tor-control', '127.0.0.1:1', '--dht-bootstrap', '127.0.0.1:1'];
		const botOnline = ['bot', '--data-dir', dataDir, '--passphrase-file', passphraseFile, '--tor-control', String(client!.controlPort), '--tor-socks', String(client!.socksPort), ...swarm.bootstrap.flatMap(node => ['--dht-bootstrap', node])];
		const ready = /"type":"ready"/;
		const measurements = {
			floor: async () => timeProcess(['-e', '0']),
			versionUnbundled: async () => timeProcess([builds.unbundled, '--version']),
			versionBundled: async () => timeProcess([builds.bundled, '--version']),
			botUnbundled: async () => timeProcess([builds.unbundled, ...bot], {untilLine: /./}),
			botBundled: async () => timeProcess([builds.bundled, ...bot], {untilLine: /./}),
			onion: async () => rawOnionMs(control),
			readyUnbundled: async () => timeProcess([builds.unbundled, ...botOnline], {untilLine: ready}),
			readyBundled: async () => timeProcess([builds.bundled, ...botOnline], {untilLine: ready}),
		};
		type Name = keyof typeof measurements;
		const names = Object.keys(measurements) as Name[];
		// One untimed pass warms the page cache for every file read.
		for (const name of names) {
			await measurements[name]();
		}

		const samples: Array<Record<Name, number>> = [];
		for (let index = 0; index < runs; index++) {
			const sample = {} as Record<Name, number>;
			for (let offset = 0; offset < names.length; offset++) {
				const name = names[(index + offset) % names.length]!;
				sample[name] = await measurements[name]();
			}

			samples.push(sample);
		}

		const pairs = (name: Name, floor: Name = 'floor'): Pair[] => samples.map(sample => ({value: sample[name], floor: sample[floor]}));
		const readyPairs = (name: Name): Pair[] => samples.map(sample => ({value: sample[name], floor: sample.floor + sample.onion}));
		const speedup = (bundled: Name, unbundled: Name) => {
			const ratios = samples.map(sample => sample[unbundled] / sample[bundled]).sort((a, b) => a - b);
			return `bundled is ${ratios[ratios.length >> 1]!.toFixed(2)}× as fast as unbundled (median of per-run ratios)`;
		};

		const floorName = '`node -e 0`';
		return [
			pairedRow({name: '`umbra --version`, unbundled (tsc, dist/cli.js)', unit: 'ms', floorName, pairs: pairs('versionUnbundled')}),
			pairedRow({name: '`umbra --version`, bundled (esbuild, dist/umbra.mjs)', unit: 'ms', floorName, pairs: pairs('versionBundled'), note: speedup('versionBundled', 'versionUnbundled')}),
			pairedRow({name: '`umbra bot` to its first event, unbundled', unit: 'ms', floorName, pairs: pairs('botUnbundled')}),
			pairedRow({name: '`umbra bot` to its first event, bundled', unit: 'ms', floorName, pairs: pairs('botBundled'), note: `${speedup('botBundled', 'botUnbundled')}; the first event comes after unlocking the profile (scrypt), the same work in both`}),
			pairedRow({name: '`umbra bot` to ready (onion published), unbundled', unit: 'ms', floorName: '`node -e 0` + raw ADD_ONION→uploaded', pairs: readyPairs('readyUnbundled')}),
			pairedRow({name: '`umbra bot` to ready (onion published), bundled', unit: 'ms', floorName: '`node -e 0` + raw ADD_ONION→uploaded', pairs: readyPairs('readyBundled'), note: `${speedup('readyBundled', 'readyUnbundled')}; private Tor network on loopback, no contacts`}),
		];
	} finally {
		for (const cleanup of cleanups) {
			await cleanup().catch((error: unknown) => {
				log(`cleanup: ${String(error)}`);
			});
		}

		rmSync(scratch, {recursive: true, force: true});
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const {values} = parseArgs({options: {runs: {type: 'string'}}});
	console.log(markdownTable((await run({runs: Number(values.runs ?? 7)})).map(row => ({bench: 'cli', ...row}))));
}
