// A SOCKS5 client for Tor's SOCKS port, written out so that Tor's extended error codes
// (SocksPort … ExtendedErrors, 0xF0–0xF7) reach the caller as numbers: the engine must tell
// "contact offline" (descriptor not found) from "wrong address" and from "Tor is broken".
// Onion names are sent unresolved (ATYP 3): resolving them locally is impossible and a DNS
// query for one would leak it.
import {connect} from 'node:net';
import type {Socket} from 'node:net';

export type SocksEndpoint = {readonly host: string; readonly port: number};

/** SOCKS username and password: Tor puts streams with different credentials on different circuits (IsolateSOCKSAuth). */
export type SocksIsolation = {readonly username: string; readonly password: string};

export type DialSocksOptions = {
	readonly proxy: SocksEndpoint;
	readonly destination: SocksEndpoint;
	readonly isolation?: SocksIsolation;
	/** Bounds the whole dial: TCP connect to the proxy, negotiation, and the CONNECT reply. */
	readonly timeoutMs?: number;
	readonly signal?: AbortSignal;
};

const defaultTimeoutMs = 30_000;

type ReplyCode = {readonly message: string; readonly retryable: boolean};

// Retryable means "the same dial may work a second later". 0x01/0x04 are what a Tor without
// ExtendedErrors says for onion failures; 0x06 is Tor's circuit or stream timeout; 0xF1 can be a
// descriptor from the other side of a time-period change. Authorization errors and a malformed
// address need the user to change something, so retrying them only wastes time.
const replyCodes: ReadonlyMap<number, ReplyCode> = new Map([
	[0x01, {message: 'general SOCKS server failure', retryable: true}],
	[0x02, {message: 'connection not allowed by the proxy\'s rules', retryable: false}],
	[0x03, {message: 'network unreachable', retryable: false}],
	[0x04, {message: 'host unreachable', retryable: true}],
	[0x05, {message: 'connection refused by the destination', retryable: false}],
	[0x06, {message: 'TTL expired: the circuit or stream timed out', retryable: true}],
	[0x07, {message: 'command not supported by the proxy', retryable: false}],
	[0x08, {message: 'address type not supported by the proxy', retryable: false}],
	[0xF0, {message: 'onion service descriptor not found: the service is offline or not yet published', retryable: true}],
	[0xF1, {message: 'onion service descriptor is invalid', retryable: true}],
	[0xF2, {message: 'onion service introduction failed: the service may have just gone offline', retryable: true}],
	[0xF3, {message: 'onion service rendezvous failed', retryable: true}],
	[0xF4, {message: 'onion service needs client authorization, and none is configured', retryable: false}],
	[0xF5, {message: 'onion service rejected our client authorization', retryable: false}],
	[0xF6, {message: 'bad onion address (wrong length, checksum or version)', retryable: false}],
	[0xF7, {message: 'onion service introduction timed out', retryable: true}],
]);

/** The proxy answered the CONNECT with a failure code. */
export class SocksError extends Error {
	readonly retryable: boolean;

	constructor(readonly code: number, destination: SocksEndpoint) {
		const known = replyCodes.get(code);
		super(`SOCKS connect to ${destination.host}:${destination.port} failed: ${known?.message ?? 'unknown reply code'} (0x${code.toString(16).padStart(2, '0')})`);
		this.name = 'SocksError';
		this.retryable = known?.retryable ?? false;
	}
}

/** The proxy said something that is not SOCKS5, or closed the connection mid-reply. */
export class SocksProtocolError extends Error {
	readonly retryable = false;

	constructor(message: string) {
		super(`SOCKS protocol error: ${message}`);
		this.name = 'SocksProtocolError';
	}
}

/** The dial did not finish within its time limit. */
export class SocksTimeoutError extends Error {
	readonly retryable = true;

	constructor(readonly timeoutMs: number, destination: SocksEndpoint) {
		super(`SOCKS connect to ${destination.host}:${destination.port} timed out after ${timeoutMs} ms`);
		this.name = 'SocksTimeoutError';
	}
}

/** Nothing answers on the proxy's port: Tor is not running there (any more). */
export class SocksProxyUnreachableError extends Error {
	readonly retryable = false;

	constructor(proxy: SocksEndpoint, cause: Error) {
		super(`cannot reach the SOCKS proxy at ${proxy.host}:${proxy.port}: ${cause.message}. Is Tor running?`, {cause});
		this.name = 'SocksProxyUnreachableError';
	}
}

const version = 0x05;
const methodNoAuth = 0x00;
const methodUsernamePassword = 0x02;
const methodNoneAcceptable = 0xFF;

function fieldBytes(value: string, what: string): Buffer {
	const bytes = Buffer.from(value, 'utf8');
	if (bytes.length < 1 || bytes.length > 255) {
		throw new RangeError(`SOCKS ${what} must be 1 to 255 bytes long, not ${bytes.length}`);
	}

	return bytes;
}

function connectRequest(destination: SocksEndpoint): Buffer {
	if (!Number.isInteger(destination.port) || destination.port < 1 || destination.port > 65_535) {
		throw new RangeError(`SOCKS destination port must be 1 to 65535, not ${destination.port}`);
	}

	const host = fieldBytes(destination.host, 'destination host name');
	const port = Buffer.alloc(2);
	port.writeUInt16BE(destination.port);
	return Buffer.concat([Buffer.from([version, 0x01, 0x00, 0x03, host.length]), host, port]);
}

function authenticationRequest(isolation: SocksIsolation): Buffer {
	const username = fieldBytes(isolation.username, 'username');
	const password = fieldBytes(isolation.password, 'password');
	return Buffer.concat([Buffer.from([0x01, username.length]), username, Buffer.from([password.length]), password]);
}

/**
 * Pulls exact byte counts off a socket in paused mode. Whatever arrives after the handshake
 * is application data: release() puts it back, so the caller reads it as usual.
 */
class HandshakeReader {
	private buffered = Buffer.alloc(0);
	private waiter: {count: number; resolve: (bytes: Buffer) => void; reject: (error: Error) => void} | undefined;
	private failure: Error | undefined;
	private rejectFailed: (error: Error) => void = () => {};
	/** Rejects with the first failure (proxy closed, socket error, timeout, abort). */
	readonly failed = new Promise<never>((_resolve, reject) => {
		this.rejectFailed = reject;
	});

	private readonly onReadable = () => {
		let chunk: Buffer | null;
		while ((chunk = this.socket.read() as Buffer | null) !== null) {
			this.buffered = Buffer.concat([this.buffered, chunk]);
		}

		this.settle();
	};

	private readonly onEnd = () => {
		this.fail(new SocksProtocolError(`the proxy closed the connection in the middle of its reply (${this.buffered.length} byte(s) of it arrived)`));
	};

	constructor(private readonly socket: Socket) {
		// Nobody may be racing against `failed` when it rejects.
		this.failed.catch(() => {});
		socket.on('readable', this.onReadable);
		socket.on('end', this.onEnd);
		socket.on('close', this.onEnd);
	}

	get pending(): number {
		return this.buffered.length;
	}

	async read(count: number): Promise<Buffer> {
		if (this.failure) {
			throw this.failure;
		}

		return new Promise((resolve, reject) => {
			this.waiter = {count, resolve, reject};
			this.settle();
		});
	}

	fail(error: Error): void {
		if (this.failure) {
			return;
		}

		this.failure = error;
		this.rejectFailed(error);
		const waiter = this.waiter;
		this.waiter = undefined;
		waiter?.reject(error);
	}

	/** Stops reading; `keepData` hands bytes read past the handshake back to the socket. */
	release(keepData: boolean): void {
		this.socket.off('readable', this.onReadable);
		this.socket.off('end', this.onEnd);
		this.socket.off('close', this.onEnd);
		if (keepData && this.buffered.length > 0) {
			this.socket.unshift(this.buffered);
			this.buffered = Buffer.alloc(0);
		}
	}

	private settle(): void {
		if (this.waiter && this.buffered.length >= this.waiter.count) {
			const {count, resolve} = this.waiter;
			this.waiter = undefined;
			const bytes = this.buffered.subarray(0, count);
			this.buffered = this.buffered.subarray(count);
			resolve(bytes);
		}
	}
}

type Requests = {readonly connect: Buffer; readonly authentication: Buffer | undefined};

async function negotiate(reader: HandshakeReader, socket: Socket, options: DialSocksOptions, requests: Requests): Promise<void> {
	const offered = options.isolation ? methodUsernamePassword : methodNoAuth;
	const {authentication, connect: request} = requests;
	socket.write(Buffer.from([version, 1, offered]));

	const [replyVersion, method] = await reader.read(2);
	if (replyVersion !== version) {
		throw new SocksProtocolError(`the proxy answered with version ${replyVersion} instead of 5; is this port a SOCKS5 proxy?`);
	}

	if (method === methodNoneAcceptable) {
		throw new SocksProtocolError(options.isolation ? 'the proxy does not accept username/password authentication' : 'the proxy requires authentication');
	}

	if (method !== offered) {
		throw new SocksProtocolError(`the proxy chose authentication method 0x${method!.toString(16)}, which was not offered`);
	}

	if (authentication) {
		socket.write(authentication);
		const [authVersion, status] = await reader.read(2);
		if (authVersion !== 0x01) {
			throw new SocksProtocolError(`the proxy answered the username/password request with version ${authVersion} instead of 1`);
		}

		if (status !== 0x00) {
			throw new SocksProtocolError(`the proxy rejected the username/password (status 0x${status!.toString(16)})`);
		}
	}

	// A proxy that runs ahead of the protocol before we asked for anything is not one to trust.
	if (reader.pending > 0) {
		throw new SocksProtocolError(`the proxy sent ${reader.pending} unexpected byte(s) during negotiation`);
	}

	socket.write(request);
	const [connectVersion, code] = await reader.read(2);
	if (connectVersion !== version) {
		throw new SocksProtocolError(`the proxy answered the CONNECT with version ${connectVersion} instead of 5`);
	}

	// On failure Tor closes right after the reply; the code is all we need from it.
	if (code !== 0x00) {
		throw new SocksError(code!, options.destination);
	}

	const [, addressType] = await reader.read(2);
	switch (addressType) {
		case 0x01: {
			await reader.read(4 + 2);
			break;
		}

		case 0x03: {
			const [length] = await reader.read(1);
			await reader.read(length! + 2);
			break;
		}

		case 0x04: {
			await reader.read(16 + 2);
			break;
		}

		default: {
			throw new SocksProtocolError(`the proxy's CONNECT reply has unknown address type 0x${addressType!.toString(16)}`);
		}
	}
}

/** Opens a TCP stream to `destination` through the SOCKS5 proxy; the socket is ready for data. */
export async function dialSocks(options: DialSocksOptions): Promise<Socket> {
	const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
	options.signal?.throwIfAborted();
	// Built before dialing, so a bad destination or credential fails without touching the proxy.
	const requests = {connect: connectRequest(options.destination), authentication: options.isolation ? authenticationRequest(options.isolation) : undefined};
	const socket = connect({host: options.proxy.host, port: options.proxy.port});
	const reader = new HandshakeReader(socket);
	let connected = false;
	const onError = (error: Error) => {
		reader.fail(connected ? new SocksProtocolError(`the connection to the proxy failed: ${error.message}`) : new SocksProxyUnreachableError(options.proxy, error));
	};

	const onAbort = () => {
		reader.fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('SOCKS dial aborted'));
	};

	const timer = setTimeout(() => {
		reader.fail(new SocksTimeoutError(timeoutMs, options.destination));
	}, timeoutMs);
	socket.on('error', onError);
	options.signal?.addEventListener('abort', onAbort, {once: true});
	try {
		await Promise.race([new Promise(resolve => socket.once('connect', resolve)), reader.failed]);
		connected = true;
		await Promise.race([negotiate(reader, socket, options, requests), reader.failed]);
		reader.release(true);
		return socket;
	} catch (error) {
		reader.release(false);
		socket.destroy();
		throw error;
	} finally {
		clearTimeout(timer);
		socket.off('error', onError);
		options.signal?.removeEventListener('abort', onAbort);
	}
}

export type DialWithRetryOptions = Omit<DialSocksOptions, 'timeoutMs'> & {
	/** Limit for one attempt (default 30 s). */
	readonly attemptTimeoutMs?: number;
	/** Limit for all attempts and pauses together (default 60 s). */
	readonly overallTimeoutMs?: number;
	/** Pause after a retryable failure (default 1 s; Tor's test networks re-query an HSDir after 5 s). */
	readonly backoffMs?: number;
	/** Hears each retryable failure before the pause, e.g. for a debug log. */
	readonly onRetry?: (error: Error, attempt: number) => void;
};

function isRetryable(error: unknown): error is Error {
	return (error instanceof SocksError || error instanceof SocksTimeoutError) && error.retryable;
}

async function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
	signal?.throwIfAborted();
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal?.reason instanceof Error ? signal.reason : new Error('SOCKS dial aborted'));
		};

		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, {once: true});
	});
}

/**
 * dialSocks, again after a pause while the failure is one that time may cure: a descriptor not
 * yet on every HSDir (0xF0), an introduction that raced a restart, a circuit timeout. Throws the
 * last failure when it is not retryable or the overall time is used up.
 */
export async function dialWithRetry(options: DialWithRetryOptions): Promise<Socket> {
	const attemptTimeoutMs = options.attemptTimeoutMs ?? 30_000;
	const overallTimeoutMs = options.overallTimeoutMs ?? 60_000;
	const backoffMs = options.backoffMs ?? 1000;
	const deadline = Date.now() + overallTimeoutMs;
	for (let attempt = 1; ; attempt++) {
		const remaining = deadline - Date.now();
		try {
			return await dialSocks({...options, timeoutMs: Math.max(1, Math.min(attemptTimeoutMs, remaining))});
		} catch (error) {
			if (!isRetryable(error) || deadline - Date.now() <= backoffMs) {
				throw error;
			}

			options.onRetry?.(error, attempt);
			await pause(backoffMs, options.signal);
		}
	}
}
