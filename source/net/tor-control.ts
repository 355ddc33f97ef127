// umbra's own Tor control-port client (control-spec.txt): one connection, pipelined commands
// matched to replies in order, asynchronous events kept apart from replies. The npm
// tor-control package treats each TCP chunk as a whole reply, so this one parses with
// ControlParser and never guesses where a reply ends.
import {createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {connect as netConnect, type Socket} from 'node:net';
import {
	ControlParser,
	ControlProtocolError,
	parseArguments,
	replyMessage,
	type ControlEvent,
	type ControlReply,
} from './control-parser.js';

export type {ControlEvent, ControlReply, ReplyLine} from './control-parser.js';
export {ControlProtocolError} from './control-parser.js';

export type ControlEndpoint = {host: string; port: number} | {path: string};
export type AuthMethod = 'SAFECOOKIE' | 'COOKIE' | 'HASHEDPASSWORD' | 'NULL';
export type ProtocolInfo = {methods: string[]; cookieFile?: string; torVersion?: string};
export type BootstrapPhase = {progress: number; tag: string; summary: string; warning?: string};

export type TorControlOptions = {
	/** For HASHEDPASSWORD; used only when tor offers no cookie method that works. */
	password?: string;
	/** False makes a tor that asks for no authentication an error (for auto-discovered ports). */
	allowNullAuth?: boolean;
	/** Bounds connecting, PROTOCOLINFO and authentication together. */
	timeoutMs?: number;
	/** The methods umbra may use, best first; tests narrow it to force one. */
	authMethods?: readonly AuthMethod[];
	readCookie?: (path: string) => Promise<Uint8Array>;
	randomBytes?: (size: number) => Uint8Array;
	/** How long close() waits for tor to answer QUIT before cutting the connection; default 2 s. */
	quitTimeoutMs?: number;
};

export type AddOnionOptions = {
	virtualPort: number;
	targetPort: number;
	targetHost?: string;
	/** Keep the service after this connection closes (otherwise tor removes it then). */
	detach?: boolean;
	maxStreams?: number;
	/** `NEW:ED25519-V3` (default), `NEW:BEST` or a saved `ED25519-V3:<base64>` key. */
	key?: string;
	/** Default true: tor forgets the private key, so the address cannot outlive the service. */
	discardPrivateKey?: boolean;
};

/** Tor answered a command with a 4xx or 5xx status. */
export class ControlError extends Error {
	override name = 'ControlError';
	constructor(readonly code: number, readonly replyText: string, readonly command: string) {
		super(`tor refused ${command.split(' ', 1)[0]}: ${code} ${replyText}`);
	}
}

/** The control connection could not be opened, or closed or broke; `cause` says why. */
export class ControlConnectionError extends Error {
	override name = 'ControlConnectionError';
}

export class TorAuthenticationError extends Error {
	override name = 'TorAuthenticationError';
}

type Pending = {command: string; resolve: (reply: ControlReply) => void; reject: (error: Error) => void};

const serverHashKey = 'Tor safe cookie authentication server-to-controller hash';
const clientHashKey = 'Tor safe cookie authentication controller-to-server hash';
const allMethods: readonly AuthMethod[] = ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL'];

export function describeEndpoint(endpoint: ControlEndpoint): string {
	return 'path' in endpoint ? `unix:${endpoint.path}` : `${endpoint.host}:${endpoint.port}`;
}

export class TorControl {
	/**
	 * Connects, reads PROTOCOLINFO and authenticates with the best method tor offers and umbra can
	 * do: SAFECOOKIE, COOKIE, HASHEDPASSWORD, then NULL. Rejects with an error naming every reason
	 * when none works.
	 */
	static async connect(endpoint: ControlEndpoint, options: TorControlOptions = {}): Promise<TorControl> {
		const timeoutMs = options.timeoutMs ?? 10_000;
		const where = describeEndpoint(endpoint);
		const socket = 'path' in endpoint ? netConnect({path: endpoint.path}) : netConnect({host: endpoint.host, port: endpoint.port});
		const control = new TorControl(socket, where, options.quitTimeoutMs ?? 2000);
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<never>((_resolve, reject) => {
			timer = setTimeout(() => {
				reject(new ControlConnectionError(`tor control port ${where} did not finish connecting and authenticating within ${timeoutMs} ms`));
			}, timeoutMs);
		});
		try {
			await Promise.race([control.#authenticate(options), timeout]);
			return control;
		} catch (error) {
			control.#shutdown(error as Error);
			throw error;
		} finally {
			clearTimeout(timer);
		}
	}

	readonly #socket: Socket;
	readonly #where: string;
	readonly #quitTimeoutMs: number;
	readonly #parser = new ControlParser();
	readonly #pending: Pending[] = [];
	readonly #eventListeners = new Set<(event: ControlEvent) => void>();
	readonly #closeListeners = new Set<(error?: Error) => void>();
	readonly #descriptors = new DescriptorTracker();
	#authMethod: AuthMethod | undefined;
	#protocolInfo: ProtocolInfo = {methods: []};
	#connected = false;
	#closing = false;
	#ended = false;
	#endError: Error | undefined;
	#userEvents: readonly string[] = [];
	#resolveEnded!: () => void;
	readonly #endedPromise = new Promise<void>(resolve => {
		this.#resolveEnded = resolve;
	});

	private constructor(socket: Socket, where: string, quitTimeoutMs: number) {
		this.#socket = socket;
		this.#where = where;
		this.#quitTimeoutMs = quitTimeoutMs;
		socket.on('connect', () => {
			this.#connected = true;
		});
		socket.on('data', (chunk: Buffer) => {
			this.#receive(chunk);
		});
		socket.on('error', (error: NodeJS.ErrnoException) => {
			if (this.#closing) {
				this.#shutdown(undefined);
				return;
			}

			const what = this.#connected ? `the tor control connection to ${where} broke` : `cannot connect to the tor control port ${where}`;
			this.#shutdown(new ControlConnectionError(`${what}: ${error.code ?? error.message}`, {cause: error}));
		});
		socket.on('close', () => {
			const midReply = this.#parser.idle ? '' : ' in the middle of a reply';
			this.#shutdown(this.#closing ? undefined : new ControlConnectionError(`tor closed the control connection ${where}${midReply}`));
		});
	}

	get authMethod(): AuthMethod {
		if (this.#authMethod === undefined) {
			throw new Error('not authenticated yet');
		}

		return this.#authMethod;
	}

	get protocolInfo(): ProtocolInfo {
		return this.#protocolInfo;
	}

	/** True once close() was called or the connection ended; commands then reject at once. */
	get closed(): boolean {
		return this.#closing || this.#ended;
	}

	/** The events asked for with setEvents (HS_DESC may be on as well while a wait needs it). */
	get events(): readonly string[] {
		return this.#userEvents;
	}

	/** Sends one command line; resolves with a 2xx reply, rejects with ControlError otherwise. */
	async command(line: string): Promise<ControlReply> {
		const reply = await this.#send(line);
		if (reply.code >= 400) {
			throw new ControlError(reply.code, replyMessage(reply), line);
		}

		return reply;
	}

	/** GETINFO: both `250-key=value` lines and `250+key=` data blocks. */
	async getInfo(...keys: string[]): Promise<Record<string, string>> {
		if (keys.length === 0 || keys.some(key => !/^[^\s"]+$/.test(key))) {
			throw new TypeError(`getInfo: invalid keys ${JSON.stringify(keys)}`);
		}

		const reply = await this.command(`GETINFO ${keys.join(' ')}`);
		const values: Record<string, string> = {};
		for (const line of reply.lines) {
			if (line.data !== undefined) {
				values[line.text.replace(/=$/, '')] = line.data;
				continue;
			}

			const equals = line.text.indexOf('=');
			if (equals !== -1) {
				values[line.text.slice(0, equals)] = line.text.slice(equals + 1);
			}
		}

		return values;
	}

	async bootstrapPhase(): Promise<BootstrapPhase> {
		const values = await this.getInfo('status/bootstrap-phase');
		return parseBootstrapPhase(values['status/bootstrap-phase'] ?? '');
	}

	/** SETEVENTS replaces tor's whole event set, so this is the full list wanted, not an addition. */
	async setEvents(names: string[]): Promise<void> {
		if (names.some(name => !/^[A-Z_]+$/i.test(name))) {
			throw new TypeError(`setEvents: invalid event names ${JSON.stringify(names)}`);
		}

		const previous = this.#userEvents;
		const wanted = names.map(name => name.toUpperCase());
		this.#userEvents = wanted;
		try {
			await this.#applyEvents();
		} catch (error) {
			if (this.#userEvents === wanted) {
				this.#userEvents = previous;
			}

			throw error;
		}
	}

	/** ADD_ONION with a new ED25519-V3 key, DiscardPK, and one port mapping. */
	async addOnion(options: AddOnionOptions): Promise<{serviceId: string; privateKey?: string}> {
		const {virtualPort, targetPort, targetHost = '127.0.0.1', detach = false, maxStreams, key = 'NEW:ED25519-V3', discardPrivateKey = true} = options;
		for (const [name, port] of [['virtualPort', virtualPort], ['targetPort', targetPort]] as const) {
			if (!Number.isInteger(port) || port < 1 || port > 65_535) {
				throw new RangeError(`addOnion: ${name} must be a port number (1 to 65535), not ${port}`);
			}
		}

		if (!/^[\w.:[\]-]+$/.test(targetHost) || !/^[\w:+/=-]+$/.test(key)) {
			throw new TypeError(`addOnion: invalid targetHost ${JSON.stringify(targetHost)} or key type`);
		}

		if (maxStreams !== undefined && (!Number.isInteger(maxStreams) || maxStreams < 0 || maxStreams > 65_535)) {
			throw new RangeError(`addOnion: maxStreams must be an integer from 0 to 65535, not ${maxStreams}`);
		}

		const flags = [...(discardPrivateKey ? ['DiscardPK'] : []), ...(detach ? ['Detach'] : [])];
		const host = targetHost.includes(':') && !targetHost.startsWith('[') ? `[${targetHost}]` : targetHost;
		const parts = ['ADD_ONION', key, ...(flags.length > 0 ? [`Flags=${flags.join(',')}`] : []), ...(maxStreams === undefined ? [] : [`MaxStreams=${maxStreams}`]), `Port=${virtualPort},${host}:${targetPort}`];
		const reply = await this.command(parts.join(' '));
		const {keywords} = parseArguments(reply.lines.map(line => line.text).join(' '));
		const serviceId = keywords['ServiceID'];
		if (serviceId === undefined || !/^[a-z2-7]{56}$/.test(serviceId)) {
			throw new ControlProtocolError('ADD_ONION answered without a valid ServiceID', reply.lines[0]?.text);
		}

		const privateKey = keywords['PrivateKey'];
		return privateKey === undefined ? {serviceId} : {serviceId, privateKey};
	}

	async delOnion(serviceId: string): Promise<void> {
		if (!/^[a-z2-7]+$/i.test(serviceId)) {
			throw new TypeError(`delOnion: ${JSON.stringify(serviceId)} is not an onion service id`);
		}

		await this.command(`DEL_ONION ${serviceId}`);
		this.#descriptors.forget(serviceId);
	}

	/**
	 * Resolves once tor reports HS_DESC UPLOADED for the service; with `all`, once every UPLOAD
	 * seen for it has its UPLOADED (clients asking an HSDir still waiting for the descriptor fail).
	 * HS_DESC events are recorded from the moment they are subscribed, so uploads that finished
	 * before this call count. If HS_DESC is not in the current set, this adds it for as long as a
	 * wait is running; to be sure no upload is missed, include HS_DESC in setEvents before
	 * addOnion.
	 */
	async waitForDescriptorUpload(serviceId: string, options: {timeoutMs?: number; all?: boolean} = {}): Promise<void> {
		const {timeoutMs = 60_000, all = false} = options;
		this.#throwIfClosed();
		const release = this.#descriptors.hold();
		try {
			if (this.#descriptors.holds === 1 && !this.#userEvents.includes('HS_DESC')) {
				await this.#applyEvents();
			}

			await this.#descriptors.wait(serviceId, all, timeoutMs, this.onClose.bind(this));
		} finally {
			release();
			if (this.#descriptors.holds === 0 && !this.#userEvents.includes('HS_DESC') && !this.closed) {
				this.#applyEvents().catch(() => {
					// The connection closed meanwhile; nothing to undo.
				});
			}
		}
	}

	/** Every event, or only those named; returns the unsubscribe function. */
	onEvent(listener: (event: ControlEvent) => void): () => void;
	onEvent(name: string, listener: (event: ControlEvent) => void): () => void;
	onEvent(nameOrListener: string | ((event: ControlEvent) => void), maybeListener?: (event: ControlEvent) => void): () => void {
		let listener: (event: ControlEvent) => void;
		if (typeof nameOrListener === 'string') {
			const name = nameOrListener.toUpperCase();
			const inner = maybeListener!;
			listener = event => {
				if (event.name === name) {
					inner(event);
				}
			};
		} else {
			listener = nameOrListener;
		}

		this.#eventListeners.add(listener);
		return () => this.#eventListeners.delete(listener);
	}

	/** Called once when the connection ends: no error after close(), the cause otherwise. */
	onClose(listener: (error?: Error) => void): () => void {
		if (this.#ended) {
			queueMicrotask(() => listener(this.#endError));
			return () => {};
		}

		this.#closeListeners.add(listener);
		return () => this.#closeListeners.delete(listener);
	}

	/** Sends QUIT after whatever is pending, and waits (briefly) for tor to close the connection. */
	async close(): Promise<void> {
		if (!this.#closing && !this.#ended) {
			// Tor answers what is already pending, then QUIT, then closes; no half-close, which
			// could make it drop commands it has not read yet.
			this.#send('QUIT').catch(() => {
				// The connection ends either way.
			});
			this.#closing = true;
			const timer = setTimeout(() => this.#socket.destroy(), this.#quitTimeoutMs);
			this.#endedPromise.finally(() => clearTimeout(timer)).catch(() => {});
		}

		await this.#endedPromise;
	}

	async #authenticate(options: TorControlOptions): Promise<void> {
		const info = await this.command('PROTOCOLINFO 1');
		this.#protocolInfo = parseProtocolInfo(info);
		const offered = this.#protocolInfo.methods;
		const cookieFile = this.#protocolInfo.cookieFile;
		const problems: string[] = [];
		let cookie: Uint8Array | string | undefined;
		const loadCookie = async (): Promise<Uint8Array | string> => {
			if (cookieFile === undefined) {
				return 'tor named no cookie file';
			}

			try {
				const bytes = await (options.readCookie ?? readFile)(cookieFile);
				return bytes.length === 32 ? bytes : `cookie file ${cookieFile} has ${bytes.length} bytes, not 32`;
			} catch (error) {
				return `cookie file ${cookieFile} unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
			}
		};

		for (const method of options.authMethods ?? allMethods) {
			if (!offered.includes(method)) {
				continue;
			}

			let line: string;
			if (method === 'SAFECOOKIE' || method === 'COOKIE') {
				cookie ??= await loadCookie();
				if (typeof cookie === 'string') {
					problems.push(`tor offers ${method} but the ${cookie}`);
					continue;
				}

				line = method === 'COOKIE' ? `AUTHENTICATE ${Buffer.from(cookie).toString('hex')}` : await this.#safeCookieLine(cookie, cookieFile!, options.randomBytes ?? cryptoRandomBytes);
			} else if (method === 'HASHEDPASSWORD') {
				if (options.password === undefined) {
					problems.push('tor offers HASHEDPASSWORD but no password was given');
					continue;
				}

				// Hex needs no escaping, whatever the password contains.
				line = `AUTHENTICATE ${Buffer.from(options.password, 'utf8').toString('hex')}`;
			} else {
				if (options.allowNullAuth === false) {
					problems.push('tor asks for no authentication (NULL), which is refused for this port: anyone on this machine could control it');
					continue;
				}

				line = 'AUTHENTICATE';
			}

			const reply = await this.#send(line);
			if (reply.code !== 250) {
				throw new TorAuthenticationError(`${method} authentication to tor at ${this.#where} failed: ${reply.code} ${replyMessage(reply)}`);
			}

			this.#authMethod = method;
			return;
		}

		const reasons = problems.length > 0 ? problems.join('; ') : `tor offers ${offered.join(', ') || 'no method'} and umbra may use only ${(options.authMethods ?? allMethods).join(', ')}`;
		throw new TorAuthenticationError(`cannot authenticate to tor at ${this.#where}: ${reasons}`);
	}

	async #safeCookieLine(cookie: Uint8Array, cookieFile: string, random: (size: number) => Uint8Array): Promise<string> {
		const clientNonce = Buffer.from(random(32));
		const challenge = await this.command(`AUTHCHALLENGE SAFECOOKIE ${clientNonce.toString('hex')}`);
		const {keywords} = parseArguments(challenge.lines[0]?.text ?? '');
		const serverHash = keywords['SERVERHASH'] ?? '';
		const serverNonce = keywords['SERVERNONCE'] ?? '';
		if (!/^[0-9a-f]{64}$/i.test(serverHash) || !/^[0-9a-f]+$/i.test(serverNonce) || serverNonce.length % 2 !== 0) {
			throw new ControlProtocolError('AUTHCHALLENGE answered without SERVERHASH and SERVERNONCE', challenge.lines[0]?.text);
		}

		const message = Buffer.concat([cookie, clientNonce, Buffer.from(serverNonce, 'hex')]);
		const expected = createHmac('sha256', serverHashKey).update(message).digest();
		if (!timingSafeEqual(expected, Buffer.from(serverHash, 'hex'))) {
			// Whoever answers does not know the cookie: not the tor that wrote it. Send it nothing.
			throw new TorAuthenticationError(`SAFECOOKIE authentication to tor at ${this.#where} failed: the server hash does not match cookie file ${cookieFile}, so whatever answers on this port is not the tor that wrote it`);
		}

		return `AUTHENTICATE ${createHmac('sha256', clientHashKey).update(message).digest('hex')}`;
	}

	#send(line: string): Promise<ControlReply> {
		if (/[\r\n]/.test(line)) {
			return Promise.reject(new TypeError('a control command must be a single line'));
		}

		if (this.closed) {
			return Promise.reject(this.#closedError());
		}

		return new Promise((resolve, reject) => {
			this.#pending.push({command: line, resolve, reject});
			this.#socket.write(`${line}\r\n`);
		});
	}

	#throwIfClosed(): void {
		if (this.closed) {
			throw this.#closedError();
		}
	}

	#closedError(): Error {
		const cause = this.#endError ? `: ${this.#endError.message}` : '';
		return new ControlConnectionError(`the tor control connection to ${this.#where} is closed${cause}`, {cause: this.#endError});
	}

	#applyEvents(): Promise<ControlReply> {
		const names = new Set(this.#userEvents);
		if (this.#descriptors.holds > 0) {
			names.add('HS_DESC');
		}

		return this.command(['SETEVENTS', ...names].join(' '));
	}

	#receive(chunk: Buffer): void {
		const {items, error} = this.#parser.push(chunk);
		for (const item of items) {
			if (item.type === 'event') {
				this.#dispatch(item.event);
				continue;
			}

			const pending = this.#pending.shift();
			if (!pending) {
				this.#shutdown(new ControlProtocolError(`a reply arrived with no command waiting for it: ${item.reply.code} ${replyMessage(item.reply)}`));
				return;
			}

			pending.resolve(item.reply);
		}

		if (error) {
			this.#shutdown(error);
		}
	}

	#dispatch(event: ControlEvent): void {
		if (event.name === 'HS_DESC') {
			this.#descriptors.record(event);
		}

		for (const listener of this.#eventListeners) {
			try {
				listener(event);
			} catch (error) {
				// A listener's bug must not desynchronize the connection, but must not vanish either.
				queueMicrotask(() => {
					throw error;
				});
			}
		}
	}

	#shutdown(error: Error | undefined): void {
		if (this.#ended) {
			return;
		}

		this.#ended = true;
		this.#endError = error;
		this.#socket.destroy();
		const rejection = error ?? new ControlConnectionError(`the tor control connection to ${this.#where} was closed by close()`);
		for (const pending of this.#pending.splice(0)) {
			pending.reject(rejection);
		}

		for (const listener of [...this.#closeListeners]) {
			listener(error);
		}

		this.#closeListeners.clear();
		this.#resolveEnded();
	}
}

export function parseProtocolInfo(reply: ControlReply): ProtocolInfo {
	const info: ProtocolInfo = {methods: []};
	for (const line of reply.lines) {
		const {positional, keywords} = parseArguments(line.text);
		if (positional[0] === 'AUTH') {
			info.methods = (keywords['METHODS'] ?? '').split(',').filter(Boolean);
			if (keywords['COOKIEFILE'] !== undefined) {
				info.cookieFile = keywords['COOKIEFILE'];
			}
		} else if (positional[0] === 'VERSION' && keywords['Tor'] !== undefined) {
			info.torVersion = keywords['Tor'];
		}
	}

	return info;
}

/** Parses `status/bootstrap-phase` or a STATUS_CLIENT BOOTSTRAP event's text. */
export function parseBootstrapPhase(text: string): BootstrapPhase {
	const {keywords} = parseArguments(text);
	const progress = Number(keywords['PROGRESS']);
	if (!Number.isInteger(progress) || progress < 0 || progress > 100) {
		throw new ControlProtocolError('no PROGRESS in a bootstrap status', text);
	}

	const phase: BootstrapPhase = {progress, tag: keywords['TAG'] ?? '', summary: keywords['SUMMARY'] ?? ''};
	if (keywords['WARNING'] !== undefined) {
		phase.warning = keywords['WARNING'];
	}

	return phase;
}

type UploadCounts = {uploads: number; uploaded: number; failures: string[]};

/**
 * What HS_DESC events said about each service's descriptor uploads, so a wait that starts after
 * the uploads still sees them. A service's UPLOADs to one HSDir may repeat (the current and next
 * time periods can share HSDirs), so each HSDir counts uploads and confirmations.
 */
class DescriptorTracker {
	static readonly maxServices = 256;
	holds = 0;
	readonly #services = new Map<string, Map<string, UploadCounts>>();
	readonly #waiters = new Set<() => void>();

	/** Counts a wait that needs HS_DESC subscribed; the returned function ends it. */
	hold(): () => void {
		this.holds += 1;
		let released = false;
		return () => {
			if (!released) {
				released = true;
				this.holds -= 1;
			}
		};
	}

	record(event: ControlEvent): void {
		const [action, address, _authType, hsDir] = parseArguments(event.text).positional;
		if (address === undefined || hsDir === undefined || !['UPLOAD', 'UPLOADED', 'FAILED'].includes(action ?? '')) {
			return;
		}

		let service = this.#services.get(address);
		if (!service) {
			service = new Map();
			this.#services.set(address, service);
			if (this.#services.size > DescriptorTracker.maxServices) {
				this.#services.delete(this.#services.keys().next().value!);
			}
		}

		// "$FINGERPRINT~nickname" or "$FINGERPRINT=nickname": the fingerprint names the HSDir.
		const directory = hsDir.replace(/^\$/, '').split(/[~=]/, 1)[0]!.toUpperCase();
		const counts = service.get(directory) ?? {uploads: 0, uploaded: 0, failures: []};
		service.set(directory, counts);
		if (action === 'UPLOAD') {
			counts.uploads += 1;
		} else if (action === 'UPLOADED') {
			counts.uploaded += 1;
		} else {
			counts.failures.push(parseArguments(event.text).keywords['REASON'] ?? 'no reason given');
		}

		for (const waiter of this.#waiters) {
			waiter();
		}
	}

	forget(serviceId: string): void {
		this.#services.delete(normalizeServiceId(serviceId));
	}

	wait(serviceId: string, all: boolean, timeoutMs: number, onClose: (listener: (error?: Error) => void) => () => void): Promise<void> {
		const address = normalizeServiceId(serviceId);
		return new Promise((resolve, reject) => {
			const finish = (settle: () => void) => {
				clearTimeout(timer);
				this.#waiters.delete(check);
				unsubscribe();
				settle();
			};

			const check = () => {
				const counts = [...(this.#services.get(address)?.values() ?? [])];
				const done = all
					? counts.some(entry => entry.uploads > 0) && counts.every(entry => entry.uploaded >= entry.uploads)
					: counts.some(entry => entry.uploaded > 0);
				if (done) {
					finish(resolve);
				}
			};

			const timer = setTimeout(() => {
				finish(() => reject(new Error(`the onion service descriptor was not ${all ? 'uploaded to every HSDir' : 'uploaded'} within ${timeoutMs} ms (${this.#summary(address)})`)));
			}, timeoutMs);
			const unsubscribe = onClose(error => {
				finish(() => reject(new ControlConnectionError(`the tor control connection closed while waiting for a descriptor upload${error ? `: ${error.message}` : ''}`, {cause: error})));
			});
			this.#waiters.add(check);
			check();
		});
	}

	#summary(address: string): string {
		const counts = [...(this.#services.get(address)?.values() ?? [])];
		const uploads = counts.reduce((sum, entry) => sum + entry.uploads, 0);
		const uploaded = counts.reduce((sum, entry) => sum + entry.uploaded, 0);
		const failures = counts.flatMap(entry => entry.failures);
		return `${uploads} uploads started, ${uploaded} confirmed${failures.length > 0 ? `, failures: ${failures.join(', ')}` : ''}`;
	}
}

function normalizeServiceId(serviceId: string): string {
	return serviceId.toLowerCase().replace(/\.onion$/, '');
}
