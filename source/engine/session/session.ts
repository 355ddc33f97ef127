// A session after the handshake, as a sans-IO state machine:
// `handleSession(state, input) -> {state, events, replies}`, synchronous and pure but for the
// frame decoder inside the state, which is advanced in place (so the previous state must not be
// fed again). The runner writes `write` replies to the stream in order, closes it on `close`,
// turns events into engine events, and feeds back what it did:
//
// - Inbound `message` -> event `message`; the runner stores it and then feeds `stored` with its
//   id, which sends the ack. So an ack always means "stored" (docs/design.md "Presence and messages").
//   Duplicates (resends after a reconnect) are events again; the store deduplicates by id and
//   the runner still feeds `stored`, so the sender's copy is acked.
// - Keepalive: feed `tick` with the time now and then (every few seconds). After `pingAfterMs`
//   without an inbound frame we send a ping (again every `pingAfterMs` while it stays silent);
//   after `deadAfterMs` without one the session closes with `peer-dead`.
// - Anything wrong on the wire closes the session with a reason; nothing here throws.
import {checkFrameBody, decodeFrameBody, encodeFrameBody, type FrameBody, type PresenceState} from './codec.js';
import {LengthPrefixedDecoder, maxFrameBytes, maxFrameCounter, minFrameBytes, openFrame, sealFrame} from './frames.js';
import type {SessionKeys} from './session-keys.js';

export const pingAfterMs = 20_000;
export const deadAfterMs = 60_000;

export type SessionOptions = {
	keys: SessionKeys;
	/** Time the handshake finished; the silence clock starts here. */
	now: number;
	pingAfterMs?: number;
	deadAfterMs?: number;
	/** Frames per direction before the session ends; default maxFrameCounter (for tests: small). */
	maxFrames?: number;
};

/** What the engine may send; ping, pong, ack and bye are the core's own business. */
/** What the owner may send; a ping asks the peer for a pong (is the session still alive?). */
export type OutboundBody = Extract<FrameBody, {kind: 'presence' | 'message' | 'typing' | 'onion-change' | 'ping'}>;

export type SessionInput =
	| {type: 'data'; bytes: Uint8Array; now: number}
	| {type: 'tick'; now: number}
	| {type: 'send'; body: OutboundBody; now: number}
	| {type: 'stored'; id: string; now: number}
	| {type: 'bye'; now: number}
	| {type: 'closed'; now: number};

export type SessionCloseReason =
	| 'bye-received'
	| 'bye-sent'
	| 'peer-dead'
	| 'transport-closed'
	| 'counter-exhausted'
	| 'frame-too-large'
	| 'frame-too-small'
	| 'unauthentic-frame'
	| 'unknown-kind'
	| 'malformed-frame';

export type SessionEvent =
	| {type: 'presence'; state: PresenceState; status: string}
	| {type: 'message'; id: string; sentAt: number; text: string}
	| {type: 'delivered'; id: string}
	| {type: 'typing'; on: boolean}
	| {type: 'onion-change'; onion: string}
	| {type: 'refused'; reason: string}
	| {type: 'closed'; reason: SessionCloseReason; detail: string};

export type SessionReply = {type: 'write'; bytes: Uint8Array} | {type: 'close'};

export type SessionState = {
	readonly keys: SessionKeys;
	readonly decoder: LengthPrefixedDecoder;
	readonly sendCounter: number;
	readonly receiveCounter: number;
	readonly lastReceived: number;
	readonly lastPing: number;
	readonly closed: SessionCloseReason | undefined;
	readonly timing: {pingAfterMs: number; deadAfterMs: number; maxFrames: number};
};

export type SessionStep = {state: SessionState; events: SessionEvent[]; replies: SessionReply[]};

const details: Record<SessionCloseReason, string> = {
	'bye-received': 'the contact said goodbye',
	'bye-sent': 'we said goodbye',
	'peer-dead': 'nothing heard from the contact within the keepalive limit',
	'transport-closed': 'the stream closed',
	'counter-exhausted': 'the frame counter reached its limit; a new session is needed',
	'frame-too-large': `a frame was longer than ${maxFrameBytes} bytes`,
	'frame-too-small': 'a frame was too short to hold anything',
	'unauthentic-frame': 'a frame failed authentication (tampered, replayed, reordered or dropped)',
	'unknown-kind': 'a frame of an unknown kind arrived',
	'malformed-frame': 'a frame did not parse',
};

export function startSession(options: SessionOptions): SessionState {
	return {
		keys: options.keys,
		decoder: new LengthPrefixedDecoder(maxFrameBytes, minFrameBytes),
		sendCounter: 0,
		receiveCounter: 0,
		lastReceived: options.now,
		lastPing: options.now,
		closed: undefined,
		timing: {
			pingAfterMs: options.pingAfterMs ?? pingAfterMs,
			deadAfterMs: options.deadAfterMs ?? deadAfterMs,
			maxFrames: Math.min(options.maxFrames ?? maxFrameCounter, maxFrameCounter),
		},
	};
}

/** Accumulates one step's output while the state advances. */
class Step {
	readonly events: SessionEvent[] = [];
	readonly replies: SessionReply[] = [];
	constructor(public state: SessionState) {}

	close(reason: SessionCloseReason, detail = details[reason]): void {
		if (this.state.closed === undefined) {
			this.state = {...this.state, closed: reason};
			this.events.push({type: 'closed', reason, detail});
			if (reason !== 'transport-closed') {
				this.replies.push({type: 'close'});
			}
		}
	}

	/** Seals and queues a frame; the last counter value is kept for bye, which ends the session. */
	send(body: FrameBody): void {
		const {sendCounter, timing} = this.state;
		const isLast = sendCounter + 1 >= timing.maxFrames;
		const frame = isLast && body.kind !== 'bye' ? {kind: 'bye' as const} : body;
		this.replies.push({type: 'write', bytes: sealFrame(this.state.keys.send, sendCounter, encodeFrameBody(frame))});
		this.state = {...this.state, sendCounter: sendCounter + 1};
		if (frame.kind === 'bye') {
			this.close(body.kind === 'bye' ? 'bye-sent' : 'counter-exhausted');
		}
	}

	result(): SessionStep {
		return {state: this.state, events: this.events, replies: this.replies};
	}
}

function receive(step: Step, bytes: Uint8Array, now: number): void {
	const {decoder} = step.state;
	decoder.push(bytes);
	while (step.state.closed === undefined) {
		const message = decoder.next();
		if (message === undefined) {
			return;
		}

		if (typeof message === 'string') {
			step.close(message === 'oversized' ? 'frame-too-large' : 'frame-too-small');
			return;
		}

		const {keys, receiveCounter, timing} = step.state;
		if (receiveCounter >= timing.maxFrames) {
			step.close('counter-exhausted');
			return;
		}

		const plaintext = openFrame(keys.receive, receiveCounter, message);
		if (!plaintext) {
			step.close('unauthentic-frame');
			return;
		}

		step.state = {...step.state, receiveCounter: receiveCounter + 1, lastReceived: now};
		const parsed = decodeFrameBody(plaintext);
		if (!parsed.ok) {
			step.close(parsed.reason === 'unknown frame kind' ? 'unknown-kind' : 'malformed-frame', `${details['malformed-frame']}: ${parsed.reason}`);
			return;
		}

		dispatch(step, parsed.value);
	}
}

function dispatch(step: Step, body: FrameBody): void {
	switch (body.kind) {
		case 'presence': {
			step.events.push({type: 'presence', state: body.state, status: body.status});
			break;
		}

		case 'message': {
			step.events.push({type: 'message', id: body.id, sentAt: body.sentAt, text: body.text});
			break;
		}

		case 'ack': {
			step.events.push({type: 'delivered', id: body.id});
			break;
		}

		case 'typing': {
			step.events.push({type: 'typing', on: body.on});
			break;
		}

		case 'onion-change': {
			step.events.push({type: 'onion-change', onion: body.onion});
			break;
		}

		case 'ping': {
			step.send({kind: 'pong'});
			break;
		}

		case 'pong': {
			break;
		}

		case 'bye': {
			step.close('bye-received');
			break;
		}
	}
}

function tick(step: Step, now: number): void {
	const {lastReceived, lastPing, timing} = step.state;
	if (now - lastReceived >= timing.deadAfterMs) {
		step.close('peer-dead');
	} else if (now - lastReceived >= timing.pingAfterMs && now - lastPing >= timing.pingAfterMs) {
		step.state = {...step.state, lastPing: now};
		step.send({kind: 'ping'});
	}
}

/** Feeds one input. Never throws for anything a peer sends; a closed session ignores input. */
export function handleSession(state: SessionState, input: SessionInput): SessionStep {
	const step = new Step(state);
	if (state.closed !== undefined) {
		if (input.type === 'send' || input.type === 'stored') {
			step.events.push({type: 'refused', reason: 'the session is closed'});
		}

		return step.result();
	}

	switch (input.type) {
		case 'data': {
			receive(step, input.bytes, input.now);
			break;
		}

		case 'tick': {
			tick(step, input.now);
			break;
		}

		case 'send': {
			const problem = checkFrameBody(input.body);
			if (problem === undefined) {
				step.send(input.body);
			} else {
				step.events.push({type: 'refused', reason: problem});
			}

			break;
		}

		case 'stored': {
			const body: FrameBody = {kind: 'ack', id: input.id};
			const problem = checkFrameBody(body);
			if (problem === undefined) {
				step.send(body);
			} else {
				step.events.push({type: 'refused', reason: problem});
			}

			break;
		}

		case 'bye': {
			step.send({kind: 'bye'});
			break;
		}

		case 'closed': {
			step.close('transport-closed');
			break;
		}
	}

	return step.result();
}
