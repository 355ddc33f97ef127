// umbra's own Tor control-port client (control-spec.txt): one connection, pipelined commands
// matched to replies in order, asynchronous events kept apart from replies. The npm
// tor-control package treats each TCP chunk as a whole reply, so this one parses with
// ControlParser and never guesses where a reply ends.
import {connect as netConnect, type Socket} from 'node:net';
import {DescriptorTracker} from './descriptor-tracker.js';
import {authenticate, type AuthMethod, type AuthOptions, type ProtocolInfo} from './control-auth.js';
import {ControlConnectionError, ControlError} from './control-errors.js';
import {isServiceId} from './onion-address.js';
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
export {ControlConnectionError, ControlError, TorAuthenticationError} from './control-errors.js';
export {parseProtocolInfo, type AuthMethod, type AuthOptions, type ProtocolInfo} from './control-auth.js';

export type ControlEndpoint = {host: string; port: number} | {path: string};
export type BootstrapPhase = {progress: number; tag: string; summary: string; warning?: string};

export type TorControlOptions = AuthOptions & {
	/** Bounds connecting, PROTOCOLINFO and authentication together. */
	timeoutMs?: number;
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

type Pending = {command: string; resolve: (reply: ControlReply) => void; reject: (error: Error) => void};

export function describeEndpoint(endpoint: ControlEndpoint): string {
	return 'path' in endpoint ? `unix:${endpoint.path}` : `${endpoint.host}:${endpoint.port}`;
}

export class TorControl {
	/**
	 * Connects, reads PROTOCOLINFO and authenticates with the best method tor offers and umbra can
	 * do: SAFECOOKIE, COOKIE, HASHEDPASSWORD, then NULL (for a discovered port, only SAFECOOKIE and
	 * HASHEDPASSWORD). Rejects with an error naming every reason when none works.
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
		if (serviceId === undefined || !isServiceId(serviceId)) {
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

	async #authenticate(options: AuthOptions): Promise<void> {
		const {method, protocolInfo} = await authenticate({command: async line => this.command(line), send: async line => this.#send(line), where: this.#where}, options);
		this.#protocolInfo = protocolInfo;
		this.#authMethod = method;
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

