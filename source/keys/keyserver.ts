// Fetching a contact's certificate from keyservers, over sockets the caller dials (in
// production: Tor's SOCKS port, a fresh circuit per request), so no keyserver learns our IP.
//
// Keyserver URLs and what is asked of them:
//   hkp://host[:port]          HKP (/pks/lookup?op=get&options=mr&search=0x<ID>), plain HTTP, port 11371
//   hkps://host[:port]         HKP over TLS, port 443
//   https://host[:port]        VKS (/vks/v1/by-keyid/<ID>, /vks/v1/by-fingerprint/<FPR>) over TLS,
//                              then HKP on the same server when VKS does not have the key: many
//                              keyservers given as https:// speak only HKP (hagrid speaks both)
//   http://host[:port]         the same over plain HTTP, port 80 (meant for .onion keyservers)
//   vks+https://, vks+http://  VKS only
// A path in the URL is kept as a prefix, for keyservers behind a reverse proxy.
//
// Every answer is read with a byte cap and a deadline, and goes through certificateMatching, so
// a keyserver that sends another key, junk, a redirect, half an answer or nothing at all costs
// one line in the error and never a crash or a hang. Redirects are not followed: over Tor a
// redirect to another host is a fresh, unplanned connection, and the user should pick it.
import {request as httpRequest} from 'node:http';
import type {IncomingHttpHeaders} from 'node:http';
import {randomBytes} from 'node:crypto';
import {isIP} from 'node:net';
import type {Socket} from 'node:net';
import {connect as tlsConnect} from 'node:tls';
import {dialWithRetry, type SocksEndpoint} from '../net/socks.js';
import {certificateMatching, type Certificate} from './certificate.js';
import {AmbiguousKeyIdError, CertificateNotFoundError, CertificateRejectedError, KeysError, MalformedCertificateError} from './errors.js';
import {formatFingerprint, type KeyQuery} from './fingerprint.js';
import {checkOptions, defaultMaxBytes} from './options.js';
import {stripControl} from './sanitize.js';

/** The production default; tests never contact it. */
export const defaultKeyservers: readonly string[] = ['hkps://keys.openpgp.org'];

/** Per keyserver, dial, TLS and answer together. Generous because a first onion circuit takes seconds. */
export const defaultKeyserverTimeoutMs = 45_000;

/**
 * Opens a TCP stream to host:port. The socket must be connected when the promise resolves.
 * `signal` fires when the keyserver's deadline passes; a dialer that ignores it is fine, the
 * late socket is destroyed.
 */
export type KeyserverDial = (host: string, port: number, options: {signal: AbortSignal; timeoutMs: number}) => Promise<Socket>;

export type FetchCertificateOptions = {
	query: KeyQuery;
	/** Tried in turn until one has a usable certificate. Default: defaultKeyservers. */
	keyservers?: readonly string[];
	dial: KeyserverDial;
	/** Per keyserver. Default: defaultKeyserverTimeoutMs. */
	timeoutMs?: number;
	/** Cap on one answer's body; past it the body is not read further. Default 1 MiB. */
	maxBytes?: number;
	/** Validity date for the certificate checks. Default: now. */
	date?: Date;
	signal?: AbortSignal;
	/** Extra trusted CA certificates (PEM) for https and hkps keyservers, for private keyservers and tests. */
	ca?: string | readonly string[];
};

export type KeyserverAttempt = {
	keyserver: string;
	/** not-found: the server answered and has no such key; rejected: it has the key, umbra cannot use it; failed: no usable answer. */
	outcome: 'not-found' | 'rejected' | 'failed';
	reason: string;
	error?: Error;
};

/** A keyserver URL that umbra cannot use; thrown before anything is contacted. */
export class InvalidKeyserverError extends KeysError {
	override name = 'InvalidKeyserverError';
	constructor(readonly keyserver: string, detail: string) {
		super(`The keyserver "${stripControl(keyserver)}" cannot be used: ${detail}. Write it like hkps://keys.openpgp.org or hkp://HOST.onion:11371.`);
	}
}

/** No keyserver gave a usable certificate; `attempts` says what each one did. */
export class KeyserverLookupError extends KeysError {
	override name = 'KeyserverLookupError';
	constructor(readonly asked: string, readonly attempts: readonly KeyserverAttempt[]) {
		const each = attempts.map(attempt => `${attempt.keyserver}: ${attempt.reason}`).join('; ');
		const advice = attempts.every(attempt => attempt.outcome === 'not-found')
			? 'Check the ID with your contact (gpg --fingerprint), or ask them for their key as a file.'
			: 'Try again later, add another keyserver, or ask your contact for their key as a file.';
		super(`Could not get the key ${asked} from any keyserver (${each}). ${advice}`);
	}

	/** Every keyserver answered and none has the key. */
	get notFound(): boolean {
		return this.attempts.every(attempt => attempt.outcome === 'not-found');
	}
}

export type KeyserverProtocol = 'hkp' | 'vks' | 'vks-then-hkp';
export type KeyserverEndpoint = {url: string; protocol: KeyserverProtocol; tls: boolean; host: string; port: number; prefix: string};

const schemes: Record<string, {protocol: KeyserverProtocol; tls: boolean; port: number}> = {
	'hkp:': {protocol: 'hkp', tls: false, port: 11_371},
	'hkps:': {protocol: 'hkp', tls: true, port: 443},
	'https:': {protocol: 'vks-then-hkp', tls: true, port: 443},
	'http:': {protocol: 'vks-then-hkp', tls: false, port: 80},
	'vks+https:': {protocol: 'vks', tls: true, port: 443},
	'vks+http:': {protocol: 'vks', tls: false, port: 80},
};

export function parseKeyserver(keyserver: string): KeyserverEndpoint {
	let url: URL;
	try {
		url = new URL(keyserver.trim());
	} catch {
		throw new InvalidKeyserverError(keyserver, 'it is not a URL');
	}

	const scheme = schemes[url.protocol];
	if (!scheme) {
		throw new InvalidKeyserverError(keyserver, `the scheme ${url.protocol} is not one of ${Object.keys(schemes).join(' ')}`);
	}

	if (url.username || url.password || url.search || url.hash) {
		throw new InvalidKeyserverError(keyserver, 'it has a user name, password, query or fragment, which a keyserver URL does not need');
	}

	const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (!host) {
		throw new InvalidKeyserverError(keyserver, 'it has no host name');
	}

	return {url: keyserver.trim(), ...scheme, host, port: url.port ? Number(url.port) : scheme.port, prefix: url.pathname.replace(/\/+$/, '')};
}

/**
 * The production dialer: Tor's SOCKS port, with fresh credentials per request so each lookup
 * gets its own circuit (IsolateSOCKSAuth) and keyservers cannot link one lookup to another.
 * Failures that time may cure (an onion descriptor not fetched yet, a circuit timeout) are
 * retried within the keyserver's time limit.
 */
export function dialThroughTor(proxy: SocksEndpoint): KeyserverDial {
	return async (host, port, {signal, timeoutMs}) => dialWithRetry({
		proxy,
		destination: {host, port},
		isolation: {username: `umbra-keyserver-${randomBytes(8).toString('hex')}`, password: randomBytes(8).toString('hex')},
		attemptTimeoutMs: timeoutMs,
		overallTimeoutMs: timeoutMs,
		signal,
	});
}

/** A failure to report for this keyserver, with a message fit for the user. */
class AttemptFailed extends Error {
	constructor(message: string, readonly outcome: KeyserverAttempt['outcome'] = 'failed') {
		super(message);
	}
}

function describe(error: unknown): string {
	return stripControl(error instanceof Error ? error.message : String(error)).slice(0, 200);
}

/** Resolves or rejects like `work`, or rejects with the signal's reason, whichever is first. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal, discard: (late: T) => void): Promise<T> {
	signal.throwIfAborted();
	return new Promise<T>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, {once: true});
		work.then(value => {
			signal.removeEventListener('abort', onAbort);
			if (signal.aborted) {
				discard(value);
			} else {
				resolve(value);
			}
		}, (error: unknown) => {
			signal.removeEventListener('abort', onAbort);
			reject(error);
		});
	});
}

type Answer = {status: number; headers: IncomingHttpHeaders; body: Buffer};

type Transport = {dial: KeyserverDial; signal: AbortSignal; deadline: number; maxBytes: number; ca?: string | readonly string[]};

async function connectTo(endpoint: KeyserverEndpoint, transport: Transport): Promise<Socket> {
	const {signal} = transport;
	const socket = await untilAborted(transport.dial(endpoint.host, endpoint.port, {signal, timeoutMs: Math.max(1, transport.deadline - Date.now())}), signal, late => late.destroy());
	if (!endpoint.tls) {
		return socket;
	}

	// The TLS socket takes the stream over and reports its errors; this keeps a late error on the
	// raw socket from becoming an uncaught exception.
	socket.on('error', () => {});
	const secure = tlsConnect({
		socket,
		// SNI carries names only, never an IP literal.
		...(isIP(endpoint.host) === 0 ? {servername: endpoint.host} : {}),
		ALPNProtocols: ['http/1.1'],
		...(transport.ca === undefined ? {} : {ca: typeof transport.ca === 'string' ? transport.ca : [...transport.ca]}),
	});
	const handshake = new Promise<Socket>((resolve, reject) => {
		secure.once('secureConnect', () => resolve(secure));
		secure.once('error', reject);
		secure.once('close', () => reject(new Error('the connection closed during the TLS handshake')));
	});
	try {
		return await untilAborted(handshake, signal, () => {});
	} catch (error) {
		secure.destroy();
		socket.destroy();
		throw new AttemptFailed(`TLS failed: ${describe(error)}`);
	}
}

/** One GET over a fresh connection; the body is read only for a 200, and never past maxBytes. */
async function get(endpoint: KeyserverEndpoint, path: string, transport: Transport): Promise<Answer> {
	const socket = await connectTo(endpoint, transport);
	const defaultPort = endpoint.tls ? 443 : 80;
	const hostHeader = `${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}${endpoint.port === defaultPort ? '' : `:${endpoint.port}`}`;
	return new Promise<Answer>((resolve, reject) => {
		let settled = false;
		const finish = (error: Error | undefined, answer?: Answer) => {
			if (settled) {
				return;
			}

			settled = true;
			transport.signal.removeEventListener('abort', onAbort);
			socket.destroy();
			if (error) {
				reject(error);
			} else {
				resolve(answer!);
			}
		};

		const onAbort = () => {
			finish(transport.signal.reason instanceof Error ? transport.signal.reason : new Error('aborted'));
		};

		transport.signal.addEventListener('abort', onAbort, {once: true});
		// Few headers, and no User-Agent: nothing that sets this client apart from others over Tor.
		const outgoing = httpRequest({
			method: 'GET',
			path: `${endpoint.prefix}${path}`,
			headers: {host: hostHeader, accept: 'application/pgp-keys', connection: 'close'},
			createConnection: () => socket,
		});
		outgoing.on('error', error => finish(new AttemptFailed(`the connection failed: ${describe(error)}`)));
		outgoing.once('response', response => {
			response.on('error', error => finish(new AttemptFailed(`the connection broke in the middle of the answer: ${describe(error)}`)));
			const status = response.statusCode ?? 0;
			if (status !== 200) {
				finish(undefined, {status, headers: response.headers, body: Buffer.alloc(0)});
				return;
			}

			const declared = Number(response.headers['content-length']);
			if (Number.isFinite(declared) && declared > transport.maxBytes) {
				finish(new AttemptFailed(`answer too large (${declared} bytes; the limit is ${transport.maxBytes})`));
				return;
			}

			const chunks: Buffer[] = [];
			let size = 0;
			response.on('data', (chunk: Buffer) => {
				size += chunk.length;
				if (size > transport.maxBytes) {
					finish(new AttemptFailed(`answer too large (more than ${transport.maxBytes} bytes)`));
					return;
				}

				chunks.push(chunk);
			});
			response.once('end', () => finish(undefined, {status, headers: response.headers, body: Buffer.concat(chunks)}));
			response.once('close', () => {
				if (!response.complete) {
					finish(new AttemptFailed(`the connection closed in the middle of the answer (${size} bytes arrived)`));
				}
			});
		});
		outgoing.end();
	});
}

function lookupPath(protocol: 'hkp' | 'vks', query: KeyQuery): string {
	const id = query.kind === 'keyid' ? query.keyId : query.fingerprint;
	if (protocol === 'hkp') {
		return `/pks/lookup?op=get&options=mr&search=0x${id}`;
	}

	return query.kind === 'keyid' ? `/vks/v1/by-keyid/${id}` : `/vks/v1/by-fingerprint/${id}`;
}

/** What one answer means: a certificate, or an AttemptFailed saying why not. */
async function interpret(answer: Answer, query: KeyQuery, maxBytes: number, date: Date): Promise<Certificate> {
	const {status} = answer;
	if (status === 404 || status === 410) {
		throw new AttemptFailed('not found', 'not-found');
	}

	if (status >= 300 && status < 400) {
		const location = stripControl(String(answer.headers.location ?? 'nowhere')).slice(0, 120);
		throw new AttemptFailed(`it redirects to ${location}, which umbra does not follow; add that keyserver instead if you trust it`);
	}

	if (status === 429) {
		throw new AttemptFailed('too many requests (HTTP 429); try again later');
	}

	if (status >= 500) {
		throw new AttemptFailed(`server error (HTTP ${status})`);
	}

	if (status !== 200) {
		throw new AttemptFailed(`unexpected answer (HTTP ${status})`);
	}

	const encoding = String(answer.headers['content-encoding'] ?? 'identity').toLowerCase();
	if (encoding !== 'identity') {
		throw new AttemptFailed(`the answer is compressed (${stripControl(encoding).slice(0, 40)}), which was not asked for`);
	}

	// sks answers 200 with an empty body (X-HKP-Results-Count: 0) for keys it cannot parse.
	if (answer.body.toString('latin1').trim() === '') {
		throw new AttemptFailed('not found (empty answer)', 'not-found');
	}

	try {
		return await certificateMatching(new Uint8Array(answer.body), query, {date, maxBytes});
	} catch (error) {
		if (error instanceof CertificateNotFoundError) {
			throw new AttemptFailed('not found (it answered with other keys only)', 'not-found');
		}

		if (error instanceof MalformedCertificateError) {
			throw new AttemptFailed('the answer is not a readable OpenPGP key');
		}

		if (error instanceof CertificateRejectedError || error instanceof AmbiguousKeyIdError) {
			throw error;
		}

		throw new AttemptFailed(`the answer could not be read: ${describe(error)}`);
	}
}

async function lookupOn(endpoint: KeyserverEndpoint, query: KeyQuery, transport: Transport, date: Date): Promise<Certificate> {
	const protocols: Array<'hkp' | 'vks'> = endpoint.protocol === 'vks-then-hkp' ? ['vks', 'hkp'] : [endpoint.protocol];
	let lastNotFound: AttemptFailed | undefined;
	for (const protocol of protocols) {
		try {
			return await interpret(await get(endpoint, lookupPath(protocol, query), transport), query, transport.maxBytes, date);
		} catch (error) {
			if (!(error instanceof AttemptFailed && error.outcome === 'not-found')) {
				throw error;
			}

			lastNotFound = error;
		}
	}

	throw lastNotFound ?? new AttemptFailed('not found', 'not-found');
}

/**
 * Asks each keyserver in turn for the certificate of `query` and returns the first usable one.
 * A revocation ends the search at once: only the key's owner can sign one, so another server's
 * older, unrevoked copy must not win. Throws KeyserverLookupError listing every server's reason,
 * InvalidKeyserverError before any dial, CertificateRejectedError (code 'revoked'), or the
 * signal's reason when aborted.
 */
export async function fetchCertificate(options: FetchCertificateOptions): Promise<{certificate: Certificate; keyserver: string}> {
	checkOptions('fetchCertificate', options, ['query', 'keyservers', 'dial', 'timeoutMs', 'maxBytes', 'date', 'signal', 'ca']);
	const {query, dial} = options;
	const endpoints = (options.keyservers ?? defaultKeyservers).map(keyserver => parseKeyserver(keyserver));
	if (endpoints.length === 0) {
		throw new InvalidKeyserverError('', 'the list of keyservers is empty');
	}

	const timeoutMs = options.timeoutMs ?? defaultKeyserverTimeoutMs;
	const maxBytes = options.maxBytes ?? defaultMaxBytes;
	const date = options.date ?? new Date();
	const asked = query.kind === 'keyid' ? query.keyId : formatFingerprint(query.fingerprint);
	const attempts: KeyserverAttempt[] = [];
	for (const endpoint of endpoints) {
		options.signal?.throwIfAborted();
		const timeout = AbortSignal.timeout(timeoutMs);
		const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
		const transport: Transport = {dial, signal, deadline: Date.now() + timeoutMs, maxBytes, ...(options.ca === undefined ? {} : {ca: options.ca})};
		try {
			return {certificate: await lookupOn(endpoint, query, transport, date), keyserver: endpoint.url};
		} catch (error) {
			if (options.signal?.aborted) {
				throw options.signal.reason;
			}

			if (error instanceof CertificateRejectedError && error.code === 'revoked') {
				throw error;
			}

			attempts.push(toAttempt(endpoint.url, error, timeout.aborted ? timeoutMs : undefined));
		}
	}

	throw new KeyserverLookupError(asked, attempts);
}

function toAttempt(keyserver: string, error: unknown, timedOutAfter: number | undefined): KeyserverAttempt {
	if (timedOutAfter !== undefined) {
		return {keyserver, outcome: 'failed', reason: `no answer within ${timedOutAfter} ms`};
	}

	if (error instanceof AttemptFailed) {
		return {keyserver, outcome: error.outcome, reason: error.message};
	}

	if (error instanceof CertificateRejectedError || error instanceof AmbiguousKeyIdError) {
		return {keyserver, outcome: 'rejected', reason: error.message, error};
	}

	return {keyserver, outcome: 'failed', reason: `cannot connect: ${describe(error)}`, ...(error instanceof Error ? {error} : {})};
}
