// Two loopback pass-throughs the engine benchmark puts between an Engine and its tor, so that
// the raw floor can run on exactly the engine's circuit without changing the engine:
//
// - a control-port proxy that adds one port mapping (to an echo server) to every ADD_ONION the
//   engine sends, so the engine's own onion service also answers echo on `echoVirtualPort`;
// - a SOCKS pass-through that notes each stream's destination and isolation credentials (the
//   RFC 1929 username and password the engine picked per contact) and counts its bytes.
//
// A stream to the engine's onion with the same credentials rides the same circuit as the
// engine's session (IsolateSOCKSAuth), which is the only fair comparison: the onion RTT is
// bimodal per circuit (docs/testing.md, pitfall 8). Both pass-throughs cost
// one loopback hop (about 0.03 ms), and the raw streams go through the same hop.
import {createServer, connect, type AddressInfo, type Server, type Socket} from 'node:net';

export const echoVirtualPort = 7;
/** A second mapping whose server only holds the stream, for round trips the service side starts. */
export const reverseVirtualPort = 8;

export type TappedStream = {
	readonly id: number;
	host?: string;
	port?: number;
	username?: string;
	password?: string;
	open: boolean;
	/** performance.now() when the engine connected, when its CONNECT request was complete, and when it sent its first byte after that. */
	openedAt: number;
	requestAt?: number;
	firstOutAt?: number;
	/** Bytes from the engine to tor, and back, after the SOCKS negotiation. */
	bytesOut: number;
	bytesIn: number;
};

async function listen(server: Server): Promise<number> {
	server.listen(0, '127.0.0.1');
	await new Promise<void>((resolve, reject) => {
		server.once('listening', resolve);
		server.once('error', reject);
	});
	return (server.address() as AddressInfo).port;
}

async function close(server: Server, sockets: Set<Socket>): Promise<void> {
	for (const socket of sockets) {
		socket.destroy();
	}

	await new Promise<void>(resolve => {
		server.close(() => {
			resolve();
		});
	});
}

function pipePair(client: Socket, upstream: Socket, sockets: Set<Socket>): void {
	for (const socket of [client, upstream]) {
		sockets.add(socket);
		socket.setNoDelay(true);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => {
			client.destroy();
			upstream.destroy();
		});
	}

	client.on('close', () => upstream.destroy());
	upstream.on('close', () => client.destroy());
}

/**
 * A loopback TCP server that keeps each stream for the caller instead of echoing: the service
 * side of a raw round trip that starts at the service (the client side echoes).
 */
export async function startHoldServer(): Promise<{port: number; next: () => Promise<Socket>; stop: () => Promise<void>}> {
	const sockets = new Set<Socket>();
	const waiting: Array<(socket: Socket) => void> = [];
	const held: Socket[] = [];
	const server = createServer(socket => {
		sockets.add(socket);
		socket.setNoDelay(true);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		const waiter = waiting.shift();
		if (waiter) {
			waiter(socket);
		} else {
			held.push(socket);
		}
	});
	const port = await listen(server);
	const next = async () => held.shift() ?? new Promise<Socket>(resolve => waiting.push(resolve));
	return {port, next, stop: async () => close(server, sockets)};
}

/** A loopback TCP echo server: what the raw floor streams talk to. */
export async function startEchoServer(): Promise<{port: number; stop: () => Promise<void>}> {
	const sockets = new Set<Socket>();
	const server = createServer(socket => {
		sockets.add(socket);
		socket.setNoDelay(true);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		socket.pipe(socket);
	});
	const port = await listen(server);
	return {port, stop: async () => close(server, sockets)};
}

/** Proxies a tor control port, appending the echo and hold mappings to ADD_ONION. */
export async function startControlProxy(target: {host: string; port: number}, ports: {echo: number; hold: number}): Promise<{port: number; stop: () => Promise<void>}> {
	const sockets = new Set<Socket>();
	const server = createServer(client => {
		const upstream = connect(target);
		pipePair(client, upstream, sockets);
		upstream.pipe(client);
		let pending = '';
		client.setEncoding('latin1');
		client.on('data', (chunk: string) => {
			pending += chunk;
			let end: number;
			while ((end = pending.indexOf('\n')) >= 0) {
				let line = pending.slice(0, end + 1);
				pending = pending.slice(end + 1);
				if (line.startsWith('ADD_ONION ')) {
					line = line.replace(/\r?\n$/, ` Port=${echoVirtualPort},127.0.0.1:${ports.echo} Port=${reverseVirtualPort},127.0.0.1:${ports.hold}\r\n`);
				}

				upstream.write(line, 'latin1');
			}
		});
	});
	const port = await listen(server);
	return {port, stop: async () => close(server, sockets)};
}

/** Parses the client's side of a SOCKS5 negotiation as far as `bytes` go; undefined until complete. */
function parseSocksRequest(bytes: Buffer): {consumed: number; host: string; port: number; username?: string; password?: string} | undefined {
	let at = 0;
	const need = (count: number) => bytes.length >= at + count;
	if (!need(2)) {
		return undefined;
	}

	at += 2 + bytes[1]!;
	let username: string | undefined;
	let password: string | undefined;
	if (need(1) && bytes[at] === 0x01) {
		if (!need(2)) {
			return undefined;
		}

		const userLength = bytes[at + 1]!;
		if (!need(2 + userLength + 1)) {
			return undefined;
		}

		username = bytes.subarray(at + 2, at + 2 + userLength).toString('latin1');
		const passwordLength = bytes[at + 2 + userLength]!;
		if (!need(3 + userLength + passwordLength)) {
			return undefined;
		}

		password = bytes.subarray(at + 3 + userLength, at + 3 + userLength + passwordLength).toString('latin1');
		at += 3 + userLength + passwordLength;
	}

	// VER CMD RSV ATYP=3 LEN host PORT: tor-bound clients send onion names unresolved.
	if (!need(5) || bytes[at + 3] !== 0x03 || !need(5 + bytes[at + 4]! + 2)) {
		return undefined;
	}

	const hostLength = bytes[at + 4]!;
	const host = bytes.subarray(at + 5, at + 5 + hostLength).toString('latin1');
	const port = bytes.readUInt16BE(at + 5 + hostLength);
	return {consumed: at + 5 + hostLength + 2, host, port, ...(username === undefined ? {} : {username, password})};
}

export type SocksTap = {
	readonly port: number;
	readonly streams: readonly TappedStream[];
	stop(): Promise<void>;
};

/** Passes SOCKS through to `target`, noting each stream's destination, credentials and byte counts. */
export async function startSocksTap(target: {host: string; port: number}): Promise<SocksTap> {
	const sockets = new Set<Socket>();
	const streams: TappedStream[] = [];
	const server = createServer(client => {
		const stream: TappedStream = {id: streams.length, open: true, openedAt: performance.now(), bytesOut: 0, bytesIn: 0};
		streams.push(stream);
		const upstream = connect(target);
		pipePair(client, upstream, sockets);
		client.on('close', () => {
			stream.open = false;
		});
		let head: Buffer | undefined = Buffer.alloc(0);
		client.on('data', (chunk: Buffer) => {
			upstream.write(chunk);
			if (head === undefined) {
				stream.firstOutAt ??= performance.now();
				stream.bytesOut += chunk.length;
				return;
			}

			head = Buffer.concat([head, chunk]);
			const request = parseSocksRequest(head);
			if (request) {
				Object.assign(stream, {host: request.host, port: request.port, username: request.username, password: request.password, requestAt: performance.now()});
				stream.bytesOut += head.length - request.consumed;
				head = undefined;
			}
		});
		upstream.on('data', (chunk: Buffer) => {
			stream.bytesIn += chunk.length;
			client.write(chunk);
		});
	});
	const port = await listen(server);
	return {port, streams, stop: async () => close(server, sockets)};
}
