// One HTTP/1.1 exchange with a relay over a stream someone else opened (Tor's SOCKS port, so
// node never resolves or connects to the relay itself). node:http writes the request and
// parses the answer; this file bounds it: one deadline for dial, request and whole response,
// and a cap on the body, so a relay that stalls or floods costs a timeout, not memory.
import {request as httpRequest, type IncomingMessage} from 'node:http';
import type {Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {connect as tlsConnect, type ConnectionOptions} from 'node:tls';

/** Opens a TCP stream to host:port, e.g. through Tor's SOCKS port with fresh credentials. */
export type StreamDialer = (destination: {host: string; port: number}, signal: AbortSignal) => Promise<Socket>;

export type RelayExchange = {
	method: 'GET' | 'PUT';
	url: URL;
	body?: Uint8Array;
	dial: StreamDialer;
	timeoutMs: number;
	maxResponseBytes: number;
	/** TLS options for https relays (a test CA); the system's CAs by default. Certificates are always checked. */
	tls?: Pick<ConnectionOptions, 'ca'>;
	/** Ends the exchange early (the registry closing). */
	signal?: AbortSignal;
};

export type RelayResponse = {status: number; headers: IncomingMessage['headers']; body: Buffer};

export class RelayHttpError extends Error {
	override name = 'RelayHttpError';
}

export function relayPort(url: URL): number {
	return url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
}

async function openStream(exchange: RelayExchange, signal: AbortSignal): Promise<Duplex> {
	const {url} = exchange;
	const socket = await exchange.dial({host: url.hostname, port: relayPort(url)}, signal);
	if (url.protocol !== 'https:') {
		return socket;
	}

	const secure = tlsConnect({socket, servername: url.hostname, rejectUnauthorized: true, ...exchange.tls});
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => {
			secure.destroy();
			reject(new RelayHttpError('timed out during the TLS handshake'));
		};

		signal.addEventListener('abort', onAbort, {once: true});
		secure.once('secureConnect', () => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		});
		secure.once('error', error => {
			signal.removeEventListener('abort', onAbort);
			secure.destroy();
			reject(new RelayHttpError(`TLS with ${url.hostname} failed: ${error.message}`));
		});
	});
	return secure;
}

export async function relayExchange(exchange: RelayExchange): Promise<RelayResponse> {
	const controller = new AbortController();
	const timer = setTimeout(() => {
		controller.abort();
	}, exchange.timeoutMs);
	const {signal} = controller;
	const onOuterAbort = () => {
		controller.abort();
	};

	exchange.signal?.addEventListener('abort', onOuterAbort, {once: true});
	let stream: Duplex | undefined;
	try {
		stream = await openStream(exchange, signal).catch((error: unknown) => {
			if (signal.aborted) {
				throw new RelayHttpError(`no connection within ${exchange.timeoutMs} ms`);
			}

			throw error;
		});
		const opened = stream;
		return await new Promise<RelayResponse>((resolve, reject) => {
			const {url} = exchange;
			const body = exchange.body ? Buffer.from(exchange.body) : undefined;
			const request = httpRequest({
				method: exchange.method,
				host: url.hostname,
				path: url.pathname + url.search,
				headers: {
					host: url.host,
					...(body ? {'content-type': 'application/pkarr.org/relays#payload', 'content-length': body.length} : {}),
					connection: 'close',
				},
				createConnection: () => opened as Socket,
			});
			const fail = (error: Error) => {
				request.destroy();
				reject(error);
			};

			signal.addEventListener('abort', () => {
				fail(new RelayHttpError(`no complete answer within ${exchange.timeoutMs} ms`));
			}, {once: true});
			request.on('error', error => {
				fail(error instanceof RelayHttpError ? error : new RelayHttpError(`the relay's answer is not HTTP (${error.message})`));
			});
			request.on('response', (response: IncomingMessage) => {
				const chunks: Buffer[] = [];
				let size = 0;
				response.on('data', (chunk: Buffer) => {
					size += chunk.length;
					if (size > exchange.maxResponseBytes) {
						fail(new RelayHttpError(`the relay's answer is larger than ${exchange.maxResponseBytes} bytes`));
						return;
					}

					chunks.push(chunk);
				});
				response.on('error', error => {
					fail(new RelayHttpError(`the relay's answer broke off (${error.message})`));
				});
				response.on('end', () => {
					resolve({status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks)});
				});
			});
			request.end(body);
		});
	} finally {
		clearTimeout(timer);
		exchange.signal?.removeEventListener('abort', onOuterAbort);
		stream?.destroy();
	}
}
