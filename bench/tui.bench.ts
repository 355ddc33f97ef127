// The TUI in a real terminal (tmux), bundled build, against toxic and profanity started in the
// same tmux: time to first frame, keystroke-to-screen p50/p95 with 1,000 and 100,000 messages
// in the open conversation, idle CPU over 30 s, RSS. umbra runs on a local profile whose tor
// control port is a closed loopback port (it shows "Tor down" and stays offline); toxic and
// profanity run under `unshare -n`, in a network namespace with no network at all, so none of
// the three sends a packet anywhere.
//
//   node --import tsx bench/tui.bench.ts
import {execFileSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {openProfile} from '../source/engine/index.js';
import {findExecutable} from '../source/net/system-tools.js';
import {fixtureCertificate} from '../test/helpers/key-fixtures.js';
import {prepareBuilds} from './cli.bench.js';
import {markdownTable, pairedRow, quantile, type BenchRow, type Pair} from './stats.js';
import {TmuxControl, processUsage} from './tmux-control.js';

/** `prompt`: umbra's first frame asks for the passphrase; `command` (with --passphrase-file) goes straight to the contacts. */
type App = {name: string; command: string; marker: string; prompt?: {command: string; marker: string}};

export async function makeProfile(options: {unbundled: string; dataDir: string; passphraseFile: string; messages: number}): Promise<void> {
	execFileSync(process.execPath, [options.unbundled, 'init', '--data-dir', options.dataDir, '--passphrase-file', options.passphraseFile, '--user-id', 'Bench <bench@example.org>'], {stdio: 'ignore'});
	const profile = await openProfile({dataDir: options.dataDir, passphrase: 'bench passphrase'});
	try {
		const bob = await fixtureCertificate('bob');
		const {store} = profile;
		store.addContact({fingerprint: bob.fingerprint, name: 'bob', certificate: bob.key.write()});
		const start = Date.now() - options.messages * 60_000;
		for (let from = 0; from < options.messages; from += 10_000) {
			store.transaction(() => {
				for (let index = from; index < Math.min(options.messages, from + 10_000); index++) {
					const body = `message ${index}: ${'lorem ipsum '.repeat(1 + (index % 5))}`;
					if (index % 2 === 0) {
						store.appendIncoming({id: `bench-${index}`, contact: bob.fingerprint, body, createdAt: start + index * 60_000});
					} else {
						store.appendOutgoing({id: `bench-${index}`, contact: bob.fingerprint, body, createdAt: start + index * 60_000});
						store.setState(`bench-${index}`, 'delivered');
					}
				}
			});
		}

		store.markRead(bob.fingerprint);
	} finally {
		profile.close();
	}
}

/** Keystroke to the program's next write, `count` times, a pause between so no render coalesces. */
async function keystrokes(tmux: TmuxControl, count: number): Promise<number[]> {
	const latencies: number[] = [];
	const letters = 'abcdefghijklmnopqrstuvwxyz';
	for (let index = 0; index < count; index++) {
		const sent = tmux.type(letters[index % letters.length]!);
		latencies.push(await tmux.nextOutput(sent) - sent);
		await new Promise(resolve => setTimeout(resolve, 120));
	}

	return latencies;
}

/** `keys`: one list of latencies per round. */
type AppResult = {firstFrames: number[]; mainScreens: number[]; keys: number[][]; idleCpuPercent?: number; rssMiB?: number};

async function measureApp(tmux: TmuxControl, app: App, options: {starts: number; keys: number; rounds: number; idleSeconds: number; open?: {key: string; marker: string}; log: (line: string) => void}): Promise<AppResult> {
	const firstFrames: number[] = [];
	const mainScreens: number[] = [];
	for (let index = 0; index < options.starts; index++) {
		if (app.prompt) {
			const launched = tmux.launch(app.prompt.command);
			firstFrames.push(await tmux.firstScreenWith(app.prompt.marker, launched) - launched);
		}

		const launched = tmux.launch(app.command);
		mainScreens.push(await tmux.firstScreenWith(app.marker, launched) - launched);
		if (!app.prompt) {
			firstFrames.push(mainScreens.at(-1)!);
		}
	}

	if (options.open) {
		tmux.key(options.open.key);
		await tmux.firstScreenWith(options.open.marker, performance.now() - 1);
	}

	await new Promise(resolve => setTimeout(resolve, 1000));
	const keys: number[][] = [];
	for (let round = 0; round < options.rounds; round++) {
		keys.push(await keystrokes(tmux, options.keys));
		tmux.key('C-u');
		await new Promise(resolve => setTimeout(resolve, 1000));
	}

	const pid = tmux.panePid();
	const before = processUsage(pid);
	await new Promise(resolve => setTimeout(resolve, options.idleSeconds * 1000));
	const after = processUsage(pid);
	const result = {firstFrames, mainScreens, keys, idleCpuPercent: 100 * (after.cpuSeconds - before.cpuSeconds) / options.idleSeconds, rssMiB: after.rssMiB};
	options.log(`${app.name}: first frame ${firstFrames.map(ms => ms.toFixed(0)).join('/')} ms, main screen ${mainScreens.map(ms => ms.toFixed(0)).join('/')} ms, keys p50 ${keys.map(round => quantile(round, 0.5).toFixed(1)).join('/')} p95 ${keys.map(round => quantile(round, 0.95).toFixed(1)).join('/')} ms, idle CPU ${result.idleCpuPercent.toFixed(2)} %, RSS ${result.rssMiB.toFixed(0)} MiB`);
	return result;
}

export async function run(options: {starts?: number; keys?: number; rounds?: number; idleSeconds?: number; messages?: number; log?: (line: string) => void} = {}): Promise<BenchRow[]> {
	const {starts = 3, keys = 40, rounds = 3, idleSeconds = 30, messages = 100_000} = options;
	const log = options.log ?? (line => process.stderr.write(`[tui] ${line}\n`));
	for (const tool of ['tmux', 'toxic', 'profanity', 'unshare']) {
		if (!findExecutable(tool)) {
			throw new Error(`the TUI benchmark needs ${tool}: apt-get install -y tmux toxic profanity util-linux`);
		}
	}

	const builds = prepareBuilds(log);
	const scratch = mkdtempSync(join(tmpdir(), 'umbra-bench-tui-'));
	const tmux = new TmuxControl('tui');
	try {
		const passphraseFile = join(scratch, 'passphrase');
		writeFileSync(passphraseFile, 'bench passphrase\n');
		chmodSync(passphraseFile, 0o600);
		const small = join(scratch, 'small');
		const large = join(scratch, 'large');
		const begin = performance.now();
		await makeProfile({unbundled: builds.unbundled, dataDir: small, passphraseFile, messages: 1000});
		await makeProfile({unbundled: builds.unbundled, dataDir: large, passphraseFile, messages});
		log(`profiles with 1,000 and ${messages} messages made in ${((performance.now() - begin) / 1000).toFixed(0)} s`);
		const peerHome = join(scratch, 'peers');
		mkdirSync(join(peerHome, '.config'), {recursive: true});
		const peerEnv = `env HOME=${peerHome} XDG_CONFIG_HOME=${peerHome}/.config XDG_DATA_HOME=${peerHome}/.local/share`;
		const umbra = (dataDir: string): App => {
			const command = `env -u CI ${process.execPath} ${builds.bundled} chat --data-dir ${dataDir} --tor-control 127.0.0.1:1 --dht-bootstrap 127.0.0.1:1`;
			return {
				name: `umbra (${dataDir === large ? messages : 1000} messages)`,
				command: `${command} --passphrase-file ${passphraseFile}`,
				marker: 'Contacts (',
				prompt: {command, marker: 'Passphrase:'},
			};
		};
		const toxic: App = {name: 'toxic', command: `${peerEnv} unshare -n toxic -f ${peerHome}/toxic.tox`, marker: '[Home]'};
		const profanity: App = {name: 'profanity', command: `${peerEnv} unshare -n profanity`, marker: 'Profanity. Type /help'};
		await tmux.ready();
		// toxic asks once whether to encrypt a new data file: answer no, so later starts go straight in.
		tmux.launch(toxic.command);
		await tmux.firstScreenWith('encrypt', performance.now() - 1);
		tmux.type('n');
		tmux.key('Enter');
		await tmux.firstScreenWith(toxic.marker, performance.now() - 1);

		const open = {key: 'M-1', marker: `message ${messages - 1}:`};
		const run = {starts, keys, rounds, idleSeconds, log};
		const large_ = await measureApp(tmux, umbra(large), {...run, open});
		const small_ = await measureApp(tmux, umbra(small), {...run, idleSeconds: 0, open: {key: 'M-1', marker: 'message 999:'}});
		const toxic_ = await measureApp(tmux, toxic, run);
		const profanity_ = await measureApp(tmux, profanity, run);
		tmux.launch('sleep 100000');

		const zip = (values: readonly number[], floors: readonly number[]): Pair[] => values.map((value, index) => ({value, floor: floors[index]!}));
		const one = (value: number, floor: number): Pair[] => [{value, floor}];
		// Per round, so a row's spread shows how much one round of keystrokes varies.
		const p = (result: AppResult, q: number) => result.keys.map(round => quantile(round, q));
		const keyNote = `${rounds} rounds of ${keys} keystrokes, 120 ms apart, per program; timed from send-keys to the program's next write as tmux reads it; target: p95 within one frame (17 ms) of Ink's 30 fps throttle (33 ms), so about 50 ms`;
		return [
			pairedRow({name: 'first frame (umbra: the passphrase prompt)', unit: 'ms', floorName: 'toxic', pairs: zip(large_.firstFrames, toxic_.firstFrames), note: 'spawn to the first screen showing the marker text; toxic and profanity show their main window first'}),
			pairedRow({name: 'first frame (umbra: the passphrase prompt)', unit: 'ms', floorName: 'profanity', pairs: zip(large_.firstFrames, profanity_.firstFrames)}),
			pairedRow({name: `contact list shown, --passphrase-file, ${messages} messages`, unit: 'ms', floorName: 'toxic main window', pairs: zip(large_.mainScreens, toxic_.mainScreens), note: 'includes unlocking the key and the store (scrypt) and the engine starting (offline)'}),
			pairedRow({name: 'keystroke → screen p50, 1,000 messages', unit: 'ms', floorName: 'toxic', pairs: zip(p(small_, 0.5), p(toxic_, 0.5)), note: keyNote}),
			pairedRow({name: 'keystroke → screen p95, 1,000 messages', unit: 'ms', floorName: 'toxic', pairs: zip(p(small_, 0.95), p(toxic_, 0.95))}),
			pairedRow({name: `keystroke → screen p50, ${messages} messages`, unit: 'ms', floorName: 'toxic', pairs: zip(p(large_, 0.5), p(toxic_, 0.5))}),
			pairedRow({name: `keystroke → screen p95, ${messages} messages`, unit: 'ms', floorName: 'toxic', pairs: zip(p(large_, 0.95), p(toxic_, 0.95))}),
			pairedRow({name: `keystroke → screen p95, ${messages} messages`, unit: 'ms', floorName: 'profanity', pairs: zip(p(large_, 0.95), p(profanity_, 0.95))}),
			pairedRow({name: `keystroke → screen p95, ${messages} vs 1,000 messages`, unit: 'ms', floorName: 'umbra, 1,000 messages', pairs: zip(p(large_, 0.95), p(small_, 0.95)), note: 'the cost of a keystroke must not grow with history'}),
			pairedRow({name: `idle CPU over ${idleSeconds} s`, unit: '% of a core', floorName: 'toxic', pairs: one(large_.idleCpuPercent!, toxic_.idleCpuPercent!), note: `toxic ${toxic_.idleCpuPercent!.toFixed(2)} %, profanity ${profanity_.idleCpuPercent!.toFixed(2)} %; a ratio against about 0 says little`}),
			pairedRow({name: `RSS after ${idleSeconds} s idle, ${messages} messages`, unit: 'MiB', floorName: 'toxic', pairs: one(large_.rssMiB!, toxic_.rssMiB!)}),
			pairedRow({name: `RSS after ${idleSeconds} s idle, ${messages} messages`, unit: 'MiB', floorName: 'profanity', pairs: one(large_.rssMiB!, profanity_.rssMiB!)}),
		];
	} finally {
		tmux.stop();
		rmSync(scratch, {recursive: true, force: true});
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const {values} = parseArgs({options: {starts: {type: 'string'}, keys: {type: 'string'}, rounds: {type: 'string'}, idle: {type: 'string'}, messages: {type: 'string'}}});
	const rows = await run({starts: Number(values.starts ?? 3), keys: Number(values.keys ?? 40), rounds: Number(values.rounds ?? 3), idleSeconds: Number(values.idle ?? 30), messages: Number(values.messages ?? 100_000)});
	console.log(markdownTable(rows.map(row => ({bench: 'tui', ...row}))));
}
