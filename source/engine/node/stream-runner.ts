// Drives the sans-IO handshake and session cores (session/) over one net.Socket: the runner the
// top of handshake.ts and session.ts asks for. Inputs of a stream are handled one at a time in
// arrival order (a promise chain), since handleHandshake is async; a refusal's close is timed
// from the input's arrival; on `established` the owner decides whether to keep the stream
// (keepSession), then the session starts and the handshake's leftover is its first data.
import type {Socket} from 'node:net';
import type {Certificate} from '../../keys/index.js';
import type {Clock, Scheduler} from '../clock.js';
import {
	handleHandshake,
	handleSession,
	startSession,
	type Established,
	type HandshakeReply,
	type HandshakeState,
	type HandshakeStep,
	type OutboundBody,
	type SessionEvent,
	type SessionInput,
	type SessionReply,
	type SessionState,
} from '../session/index.js';

export type StreamHooks = {
	/** The handshake succeeded. Return false to drop the stream (bye) instead of keeping it. */
	onEstablished(runner: StreamRunner, established: Established<Certificate>): boolean;
	onSessionEvent(runner: StreamRunner, event: SessionEvent): void;
	/** Once, when the stream is gone, whatever happened before. */
	onEnd(runner: StreamRunner, reason: string): void;
};

export type StreamRunnerOptions = {
	socket: Socket;
	/** From startListener or startDialer; its replies (hs0) are written at once. */
	start: HandshakeStep<Certificate>;
	hooks: StreamHooks;
	clock: Clock;
	scheduler: Scheduler;
	/** How often the cores get a tick; default 2 s. */
	tickMs?: number;
	session?: {pingAfterMs?: number; deadAfterMs?: number};
};

export type SendResult = 'taken' | 'no-session' | {refused: string};

type Phase = {name: 'handshake'; state: HandshakeState<Certificate>} | {name: 'session'; state: SessionState} | {name: 'ended'};

export class StreamRunner {
	/** Settles when the handshake ends: the established session, or undefined. */
	readonly handshake: Promise<Established<Certificate> | undefined>;
	established: Established<Certificate> | undefined;
	readonly #options: StreamRunnerOptions;
	#phase: Phase;
	#chain: Promise<void> = Promise.resolve();
	#tickTimer: unknown;
	#settleHandshake!: (value: Established<Certificate> | undefined) => void;
	#endReason = 'the stream closed';
	#ended = false;
	/** Set by abort(): the reason the end reports, whatever the closing socket says after. */
	#abortReason: string | undefined;
	/** When bytes last arrived from the peer. */
	#lastInboundAt = Number.NEGATIVE_INFINITY;

	constructor(options: StreamRunnerOptions) {
		this.#options = options;
		this.#phase = {name: 'handshake', state: options.start.state};
		this.handshake = new Promise(resolve => {
			this.#settleHandshake = resolve;
		});
		const {socket} = options;
		// Frames are small and interactive: Nagle's algorithm would hold a frame written while an
		// earlier one is unacknowledged until tor's delayed ACK (up to 40 ms on loopback).
		socket.setNoDelay(true);
		socket.on('data', (chunk: Buffer) => {
			const now = options.clock.now();
			this.#lastInboundAt = now;
			this.#enqueue(async () => this.#input({type: 'data', bytes: new Uint8Array(chunk), now}));
		});
		socket.on('error', () => undefined);
		socket.once('close', () => {
			const now = options.clock.now();
			this.#enqueue(async () => this.#input({type: 'closed', now}));
		});
		this.#armTick();
		this.#applyHandshakeReplies(options.start.replies, options.clock.now());
	}

	/**
	 * Hands a frame to the session: 'taken', 'no-session' (none open, or it ended at its frame
	 * limit: a later session may carry it), or the session's reason for refusing the body (no
	 * session ever will). `written` runs once the frame's bytes are written to the socket, not
	 * before: a frame still buffered when the stream dies was never sent.
	 */
	send(body: OutboundBody, written?: () => void): SendResult {
		return this.#sessionInput({type: 'send', body, now: this.#options.clock.now()}, written);
	}

	stored(id: string): void {
		this.#sessionInput({type: 'stored', id, now: this.#options.clock.now()});
	}

	/**
	 * Whether the peer still answers: a ping, then true if anything arrived within `timeoutMs`.
	 * A stream whose far end died with its tor stays open here until pings time out; this asks.
	 */
	async probe(timeoutMs: number): Promise<boolean> {
		const sentAt = this.#options.clock.now();
		if (this.send({kind: 'ping'}) !== 'taken') {
			return false;
		}

		await new Promise<void>(resolve => {
			this.#options.scheduler.setTimeout(resolve, timeoutMs);
		});
		return this.#lastInboundAt >= sentAt;
	}

	/** Closes the stream at once, with the reason its end reports (no bye: the peer is gone). */
	abort(reason: string): void {
		this.#abortReason ??= reason;
		this.#options.socket.destroy();
	}

	/** Says goodbye on a session, or just closes a stream still in its handshake. */
	bye(): void {
		if (this.#sessionInput({type: 'bye', now: this.#options.clock.now()}) === 'no-session') {
			this.#options.socket.destroy();
		}
	}

	/** Resolves when the socket has closed (destroying it after `timeoutMs`). */
	async closed(timeoutMs: number): Promise<void> {
		const {socket} = this.#options;
		if (socket.closed) {
			return;
		}

		await new Promise<void>(resolve => {
			const timer = setTimeout(() => {
				socket.destroy();
			}, timeoutMs);
			socket.once('close', () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}

	#enqueue(task: () => Promise<void>): void {
		this.#chain = this.#chain.then(task).catch((error: unknown) => {
			this.#endReason = `internal error: ${(error as Error).message}`;
			this.#options.socket.destroy();
		});
	}

	#armTick(): void {
		const {scheduler, clock} = this.#options;
		this.#tickTimer = scheduler.setTimeout(() => {
			if (this.#phase.name !== 'ended') {
				const now = clock.now();
				this.#enqueue(async () => this.#input({type: 'tick', now}));
				this.#armTick();
			}
		}, this.#options.tickMs ?? 2000);
	}

	async #input(input: {type: 'data'; bytes: Uint8Array; now: number} | {type: 'tick'; now: number} | {type: 'closed'; now: number}): Promise<void> {
		const phase = this.#phase;
		if (phase.name === 'session') {
			this.#sessionInput(input);
		} else if (phase.name === 'handshake') {
			const step = await handleHandshake(phase.state, input);
			if (this.#phase !== phase) {
				return;
			}

			this.#phase = {name: 'handshake', state: step.state};
			this.#applyHandshakeReplies(step.replies, input.now);
			for (const event of step.events) {
				if (event.type === 'failed') {
					this.#endReason = `handshake failed: ${event.reason}`;
					this.#settleHandshake(undefined);
				} else {
					this.#establish(event.session);
				}
			}
		}

		if (input.type === 'closed') {
			this.#end();
		}
	}

	#applyHandshakeReplies(replies: HandshakeReply[], arrivedAt: number): void {
		const {socket, scheduler, clock} = this.#options;
		writeAll(socket, replies);
		for (const reply of replies) {
			if (reply.type !== 'write') {
				const wait = Math.max(0, arrivedAt + reply.delayMs - clock.now());
				scheduler.setTimeout(() => socket.destroy(), wait);
			}
		}
	}

	#establish(established: Established<Certificate>): void {
		this.established = established;
		const state = startSession({keys: established.keys, now: established.at, ...this.#options.session});
		this.#phase = {name: 'session', state};
		this.#settleHandshake(established);
		if (!this.#options.hooks.onEstablished(this, established)) {
			this.bye();
			return;
		}

		if (established.leftover.byteLength > 0) {
			this.#sessionInput({type: 'data', bytes: established.leftover, now: established.at});
		}
	}

	#sessionInput(input: SessionInput, written?: () => void): SendResult {
		const phase = this.#phase;
		if (phase.name !== 'session' || phase.state.closed !== undefined) {
			return 'no-session';
		}

		const step = handleSession(phase.state, input);
		this.#phase = {name: 'session', state: step.state};
		let refused: string | undefined;
		for (const event of step.events) {
			if (event.type === 'refused') {
				refused = event.reason;
			}
		}

		// The last frame of a send is its own, unless the frame counter ran out and it became a bye.
		const sent = refused === undefined && step.state.closed === undefined;
		this.#applySessionReplies(step.replies, sent ? written : undefined);
		for (const event of step.events) {
			if (event.type === 'closed') {
				this.#endReason = event.detail;
			}

			this.#options.hooks.onSessionEvent(this, event);
		}

		if (refused !== undefined) {
			return {refused};
		}

		return sent || input.type !== 'send' ? 'taken' : 'no-session';
	}

	#applySessionReplies(replies: SessionReply[], written?: () => void): void {
		const {socket} = this.#options;
		writeAll(socket, replies, written);
		for (const reply of replies) {
			if (reply.type !== 'write') {
				socket.end();
				// A peer that never closes its side does not keep the socket forever.
				const timer = this.#options.scheduler.setTimeout(() => socket.destroy(), 5000);
				socket.once('close', () => {
					this.#options.scheduler.clearTimeout(timer);
				});
			}
		}
	}

	#end(): void {
		if (this.#ended) {
			return;
		}

		this.#ended = true;
		this.#phase = {name: 'ended'};
		this.#options.scheduler.clearTimeout(this.#tickTimer);
		this.#settleHandshake(undefined);
		this.#options.hooks.onEnd(this, this.#abortReason ?? this.#endReason);
	}
}

/**
 * Writes a step's frames. Nagle is off (each write leaves at once), so frames written in the same
 * turn of the event loop, a burst of sends or a reply and its ack, are corked and leave together:
 * tor then packs them into as few cells as it can, as Nagle would, without waiting for an ACK.
 */
function writeAll(socket: Socket, replies: ReadonlyArray<HandshakeReply | SessionReply>, lastWritten?: () => void): void {
	let wrote = false;
	const last = replies.findLastIndex(reply => reply.type === 'write');
	for (const [index, reply] of replies.entries()) {
		if (reply.type === 'write') {
			if (!wrote && socket.writableCorked === 0) {
				socket.cork();
				setImmediate(() => {
					socket.uncork();
				});
			}

			wrote = true;
			socket.write(reply.bytes, index === last && lastWritten ? error => {
				if (!error) {
					lastWritten();
				}
			} : undefined);
		}
	}
}
