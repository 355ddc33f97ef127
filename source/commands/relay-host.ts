// What `umbra relay` runs, also used by the demo and tests: a DHT node, the relay HTTP service
// in front of it, published as an onion service whose key is kept in the data directory (so
// the address stays the same across restarts), and optionally a plain TCP listener for use
// behind a TLS proxy. Logs carry counts only, never a key or a value.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {DhtRegistry} from '../net/dht-registry.js';
import {dhtRelayBackend} from '../net/relay-dht-backend.js';
import {RelayService, type RelayLimits} from '../net/relay-server.js';
import {TorControl, type ControlEndpoint} from '../net/tor-control.js';

export type RelayHostOptions = {
	/** Where the onion key lives (DATA_DIR/relay). */
	directory: string;
	/** Tor's control port, or none for --no-onion. */
	tor?: {endpoint: ControlEndpoint; password?: string};
	/** 'host:port' DHT nodes; undefined: the public routers. */
	dhtBootstrap?: readonly string[];
	/** Also serve on this TCP address. */
	listen?: {host: string; port: number};
	limits?: Partial<RelayLimits>;
	log: (line: string) => void;
	/** How often the counts are logged; default 10 minutes. */
	countsEveryMs?: number;
	uploadTimeoutMs?: number;
};

export type RelayHost = {
	/** http://….onion, when published. */
	onionUrl?: string;
	/** http://host:port of the --listen listener. */
	listenUrl?: string;
	service: RelayService;
	stop(): Promise<void>;
};

const keyFile = 'onion-key';

/** The stored ED25519-V3 key, or undefined on the first run. */
function storedKey(directory: string): string | undefined {
	const path = join(directory, keyFile);
	if (!existsSync(path)) {
		return undefined;
	}

	const key = readFileSync(path, 'utf8').trim();
	if (!/^ED25519-V3:[\w+/=]+$/.test(key)) {
		throw new Error(`${path} does not hold an onion service key; delete it to make a new address.`);
	}

	return key;
}

export async function startRelayHost(options: RelayHostOptions): Promise<RelayHost> {
	const stops: Array<() => Promise<void>> = [];
	const stop = async () => {
		for (const step of stops.reverse()) {
			await step().catch(() => undefined);
		}

		stops.length = 0;
	};

	try {
		const local = options.dhtBootstrap?.every(node => node.startsWith('127.0.0.1:')) ?? false;
		const dht = new DhtRegistry({...(options.dhtBootstrap ? {bootstrap: options.dhtBootstrap} : {}), ...(local ? {host: '127.0.0.1'} : {})});
		stops.push(async () => dht.close());
		await dht.start();
		const service = new RelayService({backend: dhtRelayBackend(dht), ...(options.limits ? {limits: options.limits} : {})});
		stops.push(async () => service.close());
		const host: RelayHost = {service, stop};
		if (options.listen) {
			const address = await service.listen(options.listen.host, options.listen.port);
			host.listenUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
		}

		if (options.tor) {
			host.onionUrl = await publishOnion(options, service, stops);
		}

		const timer = setInterval(() => {
			options.log(describeCounts(service));
		}, options.countsEveryMs ?? 10 * 60_000);
		timer.unref();
		stops.push(async () => {
			clearInterval(timer);
			options.log(describeCounts(service));
		});
		return host;
	} catch (error) {
		await stop();
		throw error;
	}
}

async function publishOnion(options: RelayHostOptions, service: RelayService, stops: Array<() => Promise<void>>): Promise<string> {
	const {tor, directory} = options;
	const control = await TorControl.connect(tor!.endpoint, {...(tor!.password === undefined ? {} : {password: tor!.password}), timeoutMs: 10_000});
	stops.push(async () => control.close());
	// Every onion client arrives from tor on loopback, indistinguishable: they share one rate bucket.
	const {port: targetPort} = await service.listen('127.0.0.1', 0, () => 'onion');
	mkdirSync(directory, {recursive: true, mode: 0o700});
	const saved = storedKey(directory);
	await control.setEvents([...control.events, 'HS_DESC']);
	const added = await control.addOnion({virtualPort: 80, targetPort, key: saved ?? 'NEW:ED25519-V3', discardPrivateKey: saved !== undefined});
	stops.push(async () => control.delOnion(added.serviceId));
	if (!saved && added.privateKey) {
		writeFileSync(join(directory, keyFile), `${added.privateKey}\n`, {mode: 0o600});
	}

	await control.waitForDescriptorUpload(added.serviceId, {timeoutMs: options.uploadTimeoutMs ?? 120_000});
	return `http://${added.serviceId}.onion`;
}

export function describeCounts(service: RelayService): string {
	const {put, get, stored, found, notFound, badRequest, conflict, tooLarge, busy, rateLimited, failed} = service.counts;
	return `${put} PUT (${stored} stored, ${conflict} older, ${busy} busy, ${failed} failed), ${get} GET (${found} found, ${notFound} not found), ${badRequest} bad, ${tooLarge} too large, ${rateLimited} rate-limited`;
}
