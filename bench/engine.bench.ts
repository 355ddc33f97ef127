// Two real Engines on the private Tor network and a loopback DHT swarm, each run against raw
// floors measured in the same run (see onion-floor.ts and tor-taps.ts):
//
// 1. time from the later engine's start() to both seeing each other online, against ADD_ONION
//    until uploaded + one DHT put + one get + one fresh onion connect, done raw (target 1.3x);
// 2. send-to-ack RTT p50 and p95 over the session, against an echo over a second stream to the
//    same onion service with the same SOCKS credentials (so the same circuit), interleaved one
//    for one (target 1.2x);
// 3. messages per second over one session (send all, until all acked), against the same number
//    of payloads of the session's frame size echoed over that second stream.
//
// Engines are used through start/stop/send/subscribe and their events only.
//
//   node --import tsx bench/engine.bench.ts
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {parseArgs} from 'node:util';
import {Engine, openStore, type EngineEvent, type Store} from '../source/engine/index.js';
import type {Certificate, Identity} from '../source/keys/index.js';
import {DhtRegistry} from '../source/net/dht-registry.js';
import {dialSocks} from '../source/net/socks.js';
import {TorControl} from '../source/net/tor-control.js';
import {startDhtSwarm} from '../source/net/testnet/dht-swarm.js';
import {startTorNetwork, type ClientDescription, type TorNetwork} from '../source/net/testnet/tor-network.js';
import {fixtureCertificate, fixtureIdentity} from '../test/helpers/key-fixtures.js';
import {echoBurst, echoRtt, measureStartFloor} from './onion-floor.js';
import {markdownTable, pairedRow, quantile, type BenchRow, type Pair} from './stats.js';
import {echoVirtualPort, reverseVirtualPort, startControlProxy, startEchoServer, startHoldServer, startSocksTap, type SocksTap, type TappedStream} from './tor-taps.js';

const phaseTimeoutMs = 90_000;

type Party = {identity: Identity; certificate: Certificate; client: ClientDescription; controlPort: number; tap: SocksTap};

/**
 * Collects an engine's events with their arrival times; waits on predicates, never sleeps.
 * Deliveries are indexed by message ID: a burst has hundreds of waiters, and scanning every event
 * for each of them would cost the benchmark more than the engine (a profile showed it).
 */
function recorder(engine: Engine) {
	const events: Array<{at: number; event: EngineEvent}> = [];
	const waiters = new Set<() => void>();
	const deliveredAt = new Map<string, number>();
	const deliveryWaiters = new Map<string, (at: number) => void>();
	engine.subscribe(event => {
		const at = performance.now();
		events.push({at, event});
		if (event.type === 'message.state' && event.state === 'delivered' && !deliveredAt.has(event.id)) {
			deliveredAt.set(event.id, at);
			deliveryWaiters.get(event.id)?.(at);
		}

		for (const waiter of [...waiters]) {
			waiter();
		}
	});
	const waitDelivered = async (id: string): Promise<number> => new Promise((resolve, reject) => {
		const at = deliveredAt.get(id);
		if (at !== undefined) {
			resolve(at);
			return;
		}

		const timer = setTimeout(() => {
			deliveryWaiters.delete(id);
			reject(new Error(`timed out after ${phaseTimeoutMs} ms waiting for the delivery of a message`));
		}, phaseTimeoutMs);
		deliveryWaiters.set(id, delivered => {
			clearTimeout(timer);
			deliveryWaiters.delete(id);
			resolve(delivered);
		});
	});
	const waitFor = async (label: string, predicate: (event: EngineEvent) => boolean): Promise<number> => new Promise((resolve, reject) => {
		const check = () => {
			const found = events.find(entry => predicate(entry.event));
			if (found) {
				waiters.delete(check);
				clearTimeout(timer);
				resolve(found.at);
			}
		};

		const timer = setTimeout(() => {
			waiters.delete(check);
			reject(new Error(`timed out after ${phaseTimeoutMs} ms waiting for ${label}`));
		}, phaseTimeoutMs);
		waiters.add(check);
		check();
	});
	return {waitFor, waitDelivered, timeline: () => events};
}

async function until<T>(label: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) {
			return value;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${label}`);
		}

		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

type Rtt = {p50: Pair; p95: Pair; slow: Pair};
type RunResult = {start: Pair; fromDialer: Rtt; fromListener: Rtt; throughput: Pair; frameBytes: number; dialer: string};

async function oneRun(options: {network: TorNetwork; a: Party; b: Party; echoPort: number; hold: Awaited<ReturnType<typeof startHoldServer>>; directory: string; index: number; rttSamples: number; burst: number; log: (line: string) => void; debug?: {since: number}}): Promise<RunResult> {
	const {a, b, log} = options;
	const cleanups: Array<() => Promise<unknown> | unknown> = [];
	try {
		const swarm = await startDhtSwarm({size: 20});
		cleanups.unshift(async () => swarm.stop());
		const registries = await Promise.all(Array.from({length: 4}, async () => {
			const registry = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
			cleanups.unshift(async () => registry.close());
			await registry.start();
			return registry;
		}));

		// The raw floor of "comes online", on B's tor as the later engine uses it.
		const control = await TorControl.connect({host: '127.0.0.1', port: b.client.controlPort}, {password: b.client.password, authMethods: ['HASHEDPASSWORD']});
		const floor = await measureStartFloor({control, echoPort: options.echoPort, virtualPort: echoVirtualPort, socks: {host: '127.0.0.1', port: a.client.socksPort}, writer: registries[2]!, reader: registries[3]!}).finally(async () => control.close());
		log(`floor: ADD_ONION→uploaded ${floor.addOnionMs.toFixed(0)} ms, put ${floor.putMs.toFixed(0)} ms, get ${floor.getMs.toFixed(0)} ms, connect ${floor.connectMs.toFixed(0)} ms`);

		const makeEngine = async (self: Party, peer: Party, registry: DhtRegistry) => {
			const directory = join(options.directory, `run${options.index}-${self.identity.fingerprint.slice(0, 8)}`);
			mkdirSync(directory, {mode: 0o700});
			const store: Store = await openStore({path: join(directory, 'store.db'), passphrase: 'bench', create: true, kdf: {N: 1024, r: 8, p: 1}});
			cleanups.unshift(() => store.close());
			store.addContact({fingerprint: peer.certificate.fingerprint, name: 'peer', certificate: peer.certificate.key.write()});
			const engine = new Engine({
				identity: self.identity,
				store,
				torControl: {endpoint: {host: '127.0.0.1', port: self.controlPort}, password: self.client.password},
				socks: {host: '127.0.0.1', port: self.tap.port},
				registry,
				// Spreads the first publications over 0.5 s instead of 15 s, as the e2e test does.
				publishWindowMs: 500,
				...(options.debug ? {log: (line: string) => log(`${self.identity.fingerprint.slice(0, 4)} +${(performance.now() - options.debug!.since).toFixed(0)} ${line}`)} : {}),
			});
			cleanups.unshift(async () => engine.stop());
			return {engine, events: recorder(engine)};
		};

		const engineA = await makeEngine(a, b, registries[0]!);
		const engineB = await makeEngine(b, a, registries[1]!);
		await engineA.engine.start();
		await engineA.events.waitFor('A to publish for B', event => event.type === 'registry.published' && event.contact === b.certificate.fingerprint && event.ok);
		const tapped = (tap: SocksTap) => tap.streams.length;
		const marks = {a: tapped(a.tap), b: tapped(b.tap)};
		const started = performance.now();
		if (options.debug) {
			options.debug.since = started;
		}

		await engineB.engine.start();
		const [aSeesB, bSeesA] = await Promise.all([
			engineA.events.waitFor('A to see B online', event => event.type === 'contact.online' && event.contact === b.certificate.fingerprint),
			engineB.events.waitFor('B to see A online', event => event.type === 'contact.online' && event.contact === a.certificate.fingerprint),
		]);
		const onlineMs = Math.max(aSeesB, bSeesA) - started;
		// Where the later engine's start went, from its own events: the profile of this row.
		const phases = engineB.events.timeline().filter(({event}) => event.type === 'lifecycle' || event.type === 'registry.published' || event.type === 'contact.online');
		const phaseText = phases.map(({at, event}) => `${event.type === 'lifecycle' ? event.state : event.type} +${(at - started).toFixed(0)}`).join(', ');
		// And every dial either made, from the SOCKS taps: retries show as several streams.
		const dials = [...a.tap.streams.slice(marks.a).map(stream => ({stream, by: 'A'})), ...b.tap.streams.slice(marks.b).map(stream => ({stream, by: 'B'}))]
			.map(({stream, by}) => `${by} dial +${(stream.openedAt - started).toFixed(0)}, CONNECT sent +${((stream.requestAt ?? Number.NaN) - started).toFixed(0)}, first handshake byte out +${((stream.firstOutAt ?? Number.NaN) - started).toFixed(0)}`);
		log(`B start → both online ${onlineMs.toFixed(0)} ms (floor ${floor.totalMs.toFixed(0)} ms; A saw B at +${(aSeesB - started).toFixed(0)}; B: ${phaseText}; ${dials.join('; ')})`);

		// The session's stream: the one stream to a port-80 onion still open (a simultaneous dial loses one).
		const sessionStreams = () => [
			...a.tap.streams.slice(marks.a).map(stream => ({stream, party: a})),
			...b.tap.streams.slice(marks.b).map(stream => ({stream, party: b})),
		].filter(({stream}) => stream.open && stream.port !== echoVirtualPort && stream.host?.endsWith('.onion'));
		const session = await until('exactly one open session stream', () => {
			const open = sessionStreams();
			return open.length === 1 ? open[0] : undefined;
		});
		const {stream, party: dialer} = session as {stream: TappedStream; party: Party};
		const echo = await dialSocks({proxy: {host: '127.0.0.1', port: dialer.tap.port}, destination: {host: stream.host!, port: echoVirtualPort}, isolation: {username: stream.username!, password: stream.password!}, timeoutMs: 60_000});
		cleanups.unshift(() => echo.destroy());
		echo.setNoDelay(true);
		// The raw floor for round trips the service side starts: it writes, the client side echoes.
		const reverseClient = await dialSocks({proxy: {host: '127.0.0.1', port: dialer.tap.port}, destination: {host: stream.host!, port: reverseVirtualPort}, isolation: {username: stream.username!, password: stream.password!}, timeoutMs: 60_000});
		cleanups.unshift(() => reverseClient.destroy());
		reverseClient.setNoDelay(true);
		reverseClient.pipe(reverseClient);
		const reverse = await options.hold.next();
		cleanups.unshift(() => reverse.destroy());

		// The dialer's messages cross the circuit as the echo does (client side → service side →
		// back); the listener's go the other way round, like the reverse probe. Both are measured:
		// on this network the two directions differ (see the README's Performance section).
		const dialerSide = dialer === a ? {engine: engineA, peer: b} : {engine: engineB, peer: a};
		const listenerSide = dialer === a ? {engine: engineB, peer: a} : {engine: engineA, peer: b};
		const sendAndAck = async (side: typeof dialerSide, text: string) => {
			const begin = performance.now();
			const message = await side.engine.engine.send(side.peer.certificate.fingerprint, text);
			return (await side.engine.events.waitDelivered(message.id)) - begin;
		};

		// Warm-up, and the size of one message frame on the wire.
		const before = stream.bytesOut;
		const text = (index: number) => `bench message ${index} `.padEnd(64, '.');
		for (let index = 0; index < 10; index++) {
			await sendAndAck(dialerSide, text(index));
		}

		const frameBytes = Math.max(1, Math.round((stream.bytesOut - before) / 10));
		const payload = new Uint8Array(frameBytes).fill(0x2e);
		await echoRtt(echo, payload);

		await echoRtt(reverse, payload);
		const interleaved = async (side: typeof dialerSide, probe: typeof echo) => {
			const engineRtts: number[] = [];
			const echoRtts: number[] = [];
			for (let index = 0; index < options.rttSamples; index++) {
				// Alternating which goes first, so neither always meets a circuit just woken by the other.
				if (index % 2 === 0) {
					engineRtts.push(await sendAndAck(side, text(index)));
					echoRtts.push(await echoRtt(probe, payload));
				} else {
					echoRtts.push(await echoRtt(probe, payload));
					engineRtts.push(await sendAndAck(side, text(index)));
				}
			}

			// The onion RTT is bimodal; p95 flips to the slow mode once more than 5 % of samples land
			// there, so the log also counts the samples over twice the echo's median.
			const slowAbove = 2 * quantile(echoRtts, 0.5);
			const slow = (rtts: number[]) => rtts.filter(rtt => rtt > slowAbove).length;
			return {p50: {value: quantile(engineRtts, 0.5), floor: quantile(echoRtts, 0.5)}, p95: {value: quantile(engineRtts, 0.95), floor: quantile(echoRtts, 0.95)}, slow: {value: slow(engineRtts), floor: slow(echoRtts)}};
		};

		const fromDialer = await interleaved(dialerSide, echo);
		const fromListener = await interleaved(listenerSide, reverse);
		const sender = dialerSide.engine;
		const recipient = dialerSide.peer;

		const burstStart = performance.now();
		const ids: string[] = [];
		for (let index = 0; index < options.burst; index++) {
			ids.push((await sender.engine.send(recipient.certificate.fingerprint, text(index))).id);
		}

		await Promise.all(ids.map(async id => sender.events.waitDelivered(id)));
		const burstMs = performance.now() - burstStart;
		const floorBurstMs = await echoBurst(echo, payload, options.burst);
		return {
			start: {value: onlineMs, floor: floor.totalMs},
			fromDialer,
			fromListener,
			throughput: {value: options.burst / (burstMs / 1000), floor: options.burst / (floorBurstMs / 1000)},
			frameBytes,
			dialer: dialer === a ? 'A' : 'B',
		};
	} finally {
		for (const cleanup of cleanups) {
			await Promise.resolve().then(cleanup).catch(() => undefined);
		}
	}
}

/** `debug`: the engines' debug lines, timed from the later engine's start (what to read when the start row misses). */
export async function run(options: {runs?: number; rttSamples?: number; burst?: number; debug?: boolean; log?: (line: string) => void} = {}): Promise<BenchRow[]> {
	const {runs = 3, rttSamples = 200, burst = 200} = options;
	const log = options.log ?? (line => process.stderr.write(`[engine] ${line}\n`));
	const directory = mkdtempSync(join(tmpdir(), 'umbra-bench-engine-'));
	const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(directory, {recursive: true, force: true})];
	// Stopped by PID in the finally below; if this process is killed, every tor exits within 15 s by itself (owner PID).
	const onSignal = () => {
		log('interrupted: stopping the private Tor network');
		void Promise.allSettled(cleanups.map(async cleanup => cleanup())).finally(() => process.exit(130));
	};

	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	try {
		const started = performance.now();
		const network = await startTorNetwork({clients: 2, log});
		cleanups.unshift(async () => network.stop());
		log(`private Tor network ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
		const echoServer = await startEchoServer();
		cleanups.unshift(async () => echoServer.stop());
		const hold = await startHoldServer();
		cleanups.unshift(async () => hold.stop());
		const [clientA, clientB] = network.description.clients;
		const party = async (name: 'alice' | 'bob', client: ClientDescription): Promise<Party> => {
			const proxy = await startControlProxy({host: '127.0.0.1', port: client.controlPort}, {echo: echoServer.port, hold: hold.port});
			cleanups.unshift(async () => proxy.stop());
			const tap = await startSocksTap({host: '127.0.0.1', port: client.socksPort});
			cleanups.unshift(async () => tap.stop());
			return {identity: await fixtureIdentity(name), certificate: await fixtureCertificate(name), client, controlPort: proxy.port, tap};
		};

		const a = await party('alice', clientA!);
		const b = await party('bob', clientB!);
		const results: RunResult[] = [];
		for (let index = 0; index < runs; index++) {
			const result = await oneRun({network, a, b, echoPort: echoServer.port, hold, directory, index, rttSamples, burst, log, ...(options.debug ? {debug: {since: performance.now()}} : {})});
			const rtt = ({p50, p95, slow}: Rtt) => `p50 ${p50.value.toFixed(1)} vs ${p50.floor.toFixed(1)} ms, p95 ${p95.value.toFixed(1)} vs ${p95.floor.toFixed(1)} ms, ${slow.value} vs ${slow.floor} slow`;
			log(`run ${index + 1}: RTT from the dialer ${rtt(result.fromDialer)}; from the listener ${rtt(result.fromListener)}; ${result.throughput.value.toFixed(0)} vs ${result.throughput.floor.toFixed(0)} msg/s (frame ${result.frameBytes} B, session dialed by ${result.dialer})`);
			results.push(result);
		}

		const frames = [...new Set(results.map(result => result.frameBytes))].join('/');
		return [
			pairedRow({name: 'later engine start() → both see each other online', unit: 'ms', floorName: 'raw ADD_ONION→uploaded + DHT put + get + onion connect', pairs: results.map(result => result.start), target: 1.3}),
			pairedRow({name: `send → ack RTT p50, the dialer sends (${rttSamples} per run, interleaved)`, unit: 'ms', floorName: `raw echo, same circuit, ${frames} B`, pairs: results.map(result => result.fromDialer.p50), target: 1.2}),
			pairedRow({name: 'send → ack RTT p95, the dialer sends', unit: 'ms', floorName: `raw echo, same circuit, ${frames} B`, pairs: results.map(result => result.fromDialer.p95), target: 1.2}),
			pairedRow({name: `send → ack RTT p50, the listener sends (${rttSamples} per run, interleaved)`, unit: 'ms', floorName: `raw echo started by the service side, same circuit, ${frames} B`, pairs: results.map(result => result.fromListener.p50), target: 1.2}),
			pairedRow({name: 'send → ack RTT p95, the listener sends', unit: 'ms', floorName: `raw echo started by the service side, same circuit, ${frames} B`, pairs: results.map(result => result.fromListener.p95), target: 1.2}),
			pairedRow({name: `messages/s over one session (${burst} sent by the dialer, until all acked)`, unit: 'msg/s', floorName: `raw echo of ${burst} × ${frames} B, same circuit`, pairs: results.map(result => result.throughput), rate: true}),
		];
	} finally {
		process.off('SIGINT', onSignal);
		process.off('SIGTERM', onSignal);
		for (const cleanup of cleanups) {
			await Promise.resolve().then(cleanup).catch(() => undefined);
		}
	}
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	// Flags for quick checks: --runs 1 --rtt 20 --burst 50; --debug for the engines' own lines.
	const {values} = parseArgs({options: {runs: {type: 'string'}, rtt: {type: 'string'}, burst: {type: 'string'}, debug: {type: 'boolean'}}});
	const rows = await run({runs: Number(values.runs ?? 3), rttSamples: Number(values.rtt ?? 200), burst: Number(values.burst ?? 200), debug: values.debug ?? false});
	console.log(markdownTable(rows.map(row => ({bench: 'engine', ...row}))));
}
