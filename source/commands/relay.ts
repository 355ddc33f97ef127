// umbra relay: a pkarr-compatible registry relay a user can run on an always-on machine, so
// that umbra users (and any pkarr client) reach the DHT over Tor instead of from their own IP
// address. Prints its http://….onion URL on standard output; counts, never keys or values, on
// standard error. SIGINT/SIGTERM: the onion is withdrawn, listeners close, exit 0.
import {join} from 'node:path';
import {accessTor, prepareDataDirectory} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {booleanFlag, numberFlag, stringFlag, stringsFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, debugFlag} from './common-flags.js';
import {networkFlags} from './network-flags.js';
import {dataDirFor} from './open.js';
import {startRelayHost} from './relay-host.js';

function parseListen(text: string | undefined): {host: string; port: number} | undefined {
	if (text === undefined) {
		return undefined;
	}

	const match = /^(?:\[([\d:a-f]+)\]|([\w.-]+)):(\d{1,5})$/i.exec(text);
	const port = Number(match?.[3]);
	if (!match || port > 65_535) {
		throw new UsageError(`--listen ${text}: write HOST:PORT, e.g. 127.0.0.1:7527 (port 0: any free port).`);
	}

	return {host: match[1] ?? match[2]!, port};
}

async function waitForAbort(signal: AbortSignal): Promise<void> {
	if (signal.aborted) {
		return;
	}

	await new Promise(resolve => {
		signal.addEventListener('abort', resolve, {once: true});
	});
}

async function run(context: CommandContext) {
	const listen = parseListen(stringFlag(context, 'listen'));
	const onion = booleanFlag(context, 'onion');
	if (!onion && !listen) {
		throw new UsageError('--no-onion leaves nothing to serve on: add --listen HOST:PORT.');
	}

	const rate = numberFlag(context, 'rateLimit') ?? 120;
	if (!(Number.isInteger(rate) && rate > 0)) {
		throw new UsageError('--rate-limit must be a positive whole number of requests per minute.');
	}

	const log = (line: string) => context.stderr.write(`umbra relay: ${line}\n`);
	const debug = booleanFlag(context, 'debug') ? log : undefined;
	const dataDir = prepareDataDirectory(dataDirFor(context));
	const torControl = stringFlag(context, 'torControl');
	const dhtBootstrap = stringsFlag(context, 'dhtBootstrap');
	const tor = onion ? await accessTor({dataDir, ...(torControl === undefined ? {} : {torControl}), ...(debug ? {log: debug} : {})}) : undefined;
	try {
		log(`joining the DHT${dhtBootstrap.length > 0 ? ` through ${dhtBootstrap.length} named node(s)` : ''}${onion ? ' and publishing the onion service' : ''}...`);
		const host = await startRelayHost({
			directory: join(dataDir, 'relay'),
			...(tor ? {tor: {endpoint: tor.control.endpoint, ...(tor.control.password === undefined ? {} : {password: tor.control.password})}} : {}),
			...(dhtBootstrap.length > 0 ? {dhtBootstrap} : {}),
			...(listen ? {listen} : {}),
			limits: {requestsPerMinute: rate},
			log,
		});
		try {
			for (const url of [host.onionUrl, host.listenUrl]) {
				if (url) {
					context.stdout.write(`${url}\n`);
				}
			}

			log('serving; stop with Ctrl-C or SIGTERM.');
			await waitForAbort(context.signal);
			log('stopping...');
		} finally {
			await host.stop();
		}
	} finally {
		await tor?.release();
	}

	return exitCodes.ok;
}

export const relayCommand: Command = {
	name: 'relay',
	usage: 'umbra relay [--listen HOST:PORT] [--no-onion] [--dht-bootstrap HOST:PORT]...',
	summary: 'Run a registry relay (pkarr relay API) for umbra users, as an onion service',
	description: [
		'Serves the pkarr relay HTTP API (PUT and GET /<z-base32 key>, body: signature, seq, value) in',
		'front of the mainline DHT, so clients reach the DHT through Tor instead of from their own IP',
		'address. Published as an onion service whose key is kept in DATA_DIR/relay/onion-key (the same',
		'address across restarts); its http://ADDRESS.onion URL is printed on standard output. The relay sees',
		'slot keys and opaque values, never who sent them; it logs counts only. SIGTERM or SIGINT: exit 0.',
	].join('\n'),
	flags: {
		dataDir: dataDirFlag,
		torControl: networkFlags['torControl']!,
		dhtBootstrap: {...networkFlags['dhtBootstrap']!, description: 'DHT bootstrap node the relay joins through (repeatable; default: the public mainline DHT routers)'},
		listen: {type: 'string', valueName: 'HOST:PORT', description: 'Also serve plain HTTP on this TCP address (put a TLS proxy in front of it for clearnet use)'},
		onion: {type: 'boolean', default: true, description: 'Publish the relay as an onion service (--no-onion: only --listen)'},
		rateLimit: {type: 'number', valueName: 'N', default: 120, description: 'Requests per minute one source may make (all onion clients count as one source)'},
		debug: debugFlag,
	},
	run,
};
