// A SOCKS5 proxy on 127.0.0.1 that stands in for Tor's SOCKS port in unit tests: it insists on
// username/password (as umbra always isolates), records every credential pair and destination,
// and connects each stream to 127.0.0.1 at the port asked for.
import {once} from 'node:events';
import {connect, createServer, type AddressInfo, type Server, type Socket} from 'node:net';
import type {SocksEndpoint} from '../../source/net/socks.js';

export type SocksForwarder = {
	endpoint: SocksEndpoint;
	/** One entry per stream: credentials and the destination named in CONNECT. */
	streams: Array<{username: string; password: string; host: string; port: number}>;
	close(): Promise<void>;
};

type Reader = {buffered: Buffer; wake?: () => void};

/** Exactly `count` bytes of the handshake; one listener gathers everything, so nothing is lost between reads. */
async function take(_socket: Socket, state: Reader, count: number): Promise<Buffer> {
	while (state.buffered.length < count) {
		await new Promise<void>(resolve => {
			state.wake = resolve;
		});
	}

	const bytes = state.buffered.subarray(0, count);
	state.buffered = state.buffered.subarray(count);
	return bytes;
}

export async function startSocksForwarder(): Promise<SocksForwarder> {
	const streams: SocksForwarder['streams'] = [];
	const sockets = new Set<Socket>();
	const server: Server = createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => undefined);
		void (async () => {
			const state: Reader = {buffered: Buffer.alloc(0)};
			const gather = (chunk: Buffer) => {
				state.buffered = Buffer.concat([state.buffered, chunk]);
				state.wake?.();
			};

			socket.on('data', gather);
			const [, methods] = await take(socket, state, 2);
			const offered = [...await take(socket, state, methods!)];
			if (!offered.includes(2)) {
				socket.end(Buffer.from([5, 0xFF]));
				return;
			}

			socket.write(Buffer.from([5, 2]));
			const [, userLength] = await take(socket, state, 2);
			const username = (await take(socket, state, userLength!)).toString();
			const [passwordLength] = await take(socket, state, 1);
			const password = (await take(socket, state, passwordLength!)).toString();
			socket.write(Buffer.from([1, 0]));
			const [, , , , hostLength] = await take(socket, state, 5);
			const host = (await take(socket, state, hostLength!)).toString();
			const port = (await take(socket, state, 2)).readUInt16BE();
			streams.push({username, password, host, port});
			const upstream = connect({host: '127.0.0.1', port});
			sockets.add(upstream);
			upstream.on('close', () => {
				sockets.delete(upstream);
				socket.destroy();
			});
			upstream.on('error', () => {
				socket.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]));
			});
			upstream.once('connect', () => {
				socket.off('data', gather);
				socket.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
				if (state.buffered.length > 0) {
					upstream.write(state.buffered);
				}

				socket.pipe(upstream).pipe(socket);
			});
			socket.on('close', () => upstream.destroy());
		})().catch(() => socket.destroy());
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		endpoint: {host: '127.0.0.1', port: (server.address() as AddressInfo).port},
		streams,
		async close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			await new Promise(resolve => server.close(resolve));
		},
	};
}
