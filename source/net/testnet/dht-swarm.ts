// A private mainline DHT on one host: N bittorrent-dht nodes bootstrapped only from each
// other, never from the public routers. The tests and `umbra demo` run the registry on it.
// Optionally every datagram any swarm socket sends is handed to a capture callback, so a test
// can inspect all traffic (sockets made with `createSocket()` are captured too).
import {createSocket as createUdpSocket, type Socket} from 'node:dgram';
import DHT from 'bittorrent-dht';
import {createBep44Verify} from '../dht-registry.js';
import {guardSocket} from '../krpc-guard.js';

export type Datagram = {
	/** Sender's local port. */
	from: number;
	/** Destination as 'host:port'. */
	to: string;
	bytes: Buffer;
};

export type DhtSwarmOptions = {
	size: number;
	/** Interface to bind; a loopback address. Default 127.0.0.1. */
	host?: string;
	/** Called with every datagram sent by a swarm socket. */
	capture?: (datagram: Datagram) => void;
	/** How many earlier nodes each new node bootstraps from (plus the first). Default 3. */
	fanout?: number;
	/** How long to wait for every node to be ready. Default 30 s. */
	readyTimeoutMs?: number;
};

export type DhtSwarm = {
	/** 'host:port' of a few nodes, for `bootstrap` options. */
	bootstrap: string[];
	nodes: DHT[];
	/** A fresh UDP socket wired to the swarm's capture (unbound; give it to a DHT client). */
	createSocket(): Socket;
	stop(): Promise<void>;
};

/**
 * Wraps `socket.send` so `onDatagram` sees each datagram before it leaves. k-rpc-socket calls
 * send(buffer, offset, length, port, host, callback); other forms are captured whole.
 */
export function captureSocket(socket: Socket, onDatagram: (datagram: Datagram) => void): Socket {
	const send = socket.send.bind(socket) as (...arguments_: unknown[]) => void;
	socket.send = ((...arguments_: unknown[]) => {
		const [message, second, third, fourth, fifth] = arguments_;
		if (Buffer.isBuffer(message)) {
			const sliced = typeof second === 'number' && typeof third === 'number';
			const bytes = Buffer.from(sliced ? message.subarray(second, second + third) : message);
			const port = sliced ? fourth : second;
			const host = sliced ? fifth : third;
			let from = 0;
			try {
				from = socket.address().port;
			} catch {
				// Not bound yet: the first send binds it.
			}

			onDatagram({from, to: `${String(host)}:${String(port)}`, bytes});
		}

		send(...arguments_);
	}) as Socket['send'];
	return socket;
}

function waitFor(emitter: DHT, event: string, timeoutMs: number, what: string): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			reject(new Error(`DHT swarm: ${what} not ${event} after ${timeoutMs} ms`));
		}, timeoutMs);
		emitter.once(event, () => {
			clearTimeout(timer);
			resolve();
		});
	});
}

export async function startDhtSwarm(options: DhtSwarmOptions): Promise<DhtSwarm> {
	const host = options.host ?? '127.0.0.1';
	const fanout = options.fanout ?? 3;
	const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
	if (!Number.isInteger(options.size) || options.size < 1) {
		throw new Error('startDhtSwarm: size must be a positive integer');
	}

	const verify = createBep44Verify();
	const nodes: DHT[] = [];
	const addresses: string[] = [];
	const makeSocket = () => {
		const socket = guardSocket(createUdpSocket('udp4'));
		return options.capture ? captureSocket(socket, options.capture) : socket;
	};

	const stop = async () => {
		await Promise.all(nodes.map(node => new Promise<void>(resolve => {
			try {
				node.destroy(() => {
					resolve();
				});
			} catch {
				resolve();
			}
		})));
	};

	try {
		const ready: Array<Promise<void>> = [];
		for (let index = 0; index < options.size; index++) {
			const earlier = [...addresses];
			const bootstrap = index === 0 ? false : [earlier[0] ?? '', ...pick(earlier.slice(1), fanout)];
			const node = new DHT({bootstrap, verify, socket: makeSocket()});
			node.on('warning', () => undefined);
			node.on('error', () => undefined);
			nodes.push(node);
			ready.push(waitFor(node, 'ready', readyTimeoutMs, `node ${index}`));
			const listening = waitFor(node, 'listening', readyTimeoutMs, `node ${index}`);
			node.listen(0, host);
			await listening;
			addresses.push(`${host}:${node.address().port}`);
		}

		await Promise.all(ready);
	} catch (error) {
		await stop();
		throw error;
	}

	return {
		bootstrap: pick(addresses, Math.min(8, addresses.length)),
		nodes,
		createSocket: makeSocket,
		stop,
	};
}

function pick<T>(items: readonly T[], count: number): T[] {
	const copy = [...items];
	for (let index = copy.length - 1; index > 0; index--) {
		const other = Math.floor(Math.random() * (index + 1));
		[copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
	}

	return copy.slice(0, count);
}
