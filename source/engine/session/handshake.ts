// The handshake on a fresh onion stream, as a sans-IO state machine.
//
//   listener -> dialer   hs0: 32 random bytes (the listener's nonce), nothing else
//   dialer -> listener   hs1: seal(codec hs1, signed by the dialer, encrypted to the listener)
//   listener -> dialer   hs2: seal(codec hs2, signed by the listener, encrypted to the dialer)
//
// Each is `uint32_be length || bytes` (frames.ts), hs0 exactly 32 bytes, hs1 and hs2 at most
// maxHandshakeBytes. Then both sides hold SessionKeys (session-keys.ts) and session.ts takes over.
//
// Design: `handleHandshake(state, input)` is async, because sealing and opening OpenPGP messages
// is (openpgp.js). Everything that is not a pure function of the inputs comes in through the
// state's config: the `HandshakeCrypto` port (seal, open, pairSecret, bound to the own identity),
// the random source, the accepted onion addresses, the senders and the replay cache; time comes
// in with every input. With a deterministic crypto port and random source, the same inputs give
// the same bytes, so tests replay transcripts; keys-crypto.ts adapts the real keys/ layer.
// The runner must await each call before making the next one for the same stream. Before
// startListener it takes a slot from PreAuthLimit (preauth-limit.ts), and gives it back when the
// handshake ends; on `established` it starts session.ts with the keys and feeds it `leftover`.
//
// What a dialer learns when it fails: a listener that does not accept an hs1, for whatever reason
// (stranger, hidden contact, bad signature, wrong nonce or address, stale, replayed, malformed,
// oversized, too slow), has sent hs0 and nothing else, and replies with one and the same
// `{type: 'close', delayMs: rejectDelayMs}`. The runner counts the delay from the moment the
// input arrived, not from when handle returned, so decryption time does not show either. The
// `failed` event's reason is for the local debug log only and never goes on the wire.
import {timingSafeEqual} from 'node:crypto';
import {decodeHs1, decodeHs2, encodeHs1, encodeHs2, isOnionAddress, nonceBytes} from './codec.js';
import {encodeLengthPrefixed, LengthPrefixedDecoder, maxHandshakeBytes} from './frames.js';
import type {ReplayCache} from './replay-cache.js';
import {deriveSessionKeys, sha256, x25519PublicKey, x25519Shared, type Role, type SessionKeys} from './session-keys.js';

export type {Role, SessionKeys} from './session-keys.js';

/** Whatever stands for a contact's certificate; keys-crypto.ts uses keys/ Certificate. */
export type Contact = {readonly fingerprint: string};

export type OpenOutcome<C extends Contact> = {ok: true; plaintext: Uint8Array; signer: C} | {ok: false; reason: string};

/** The crypto the handshake needs, bound to the own identity. May throw; the core catches. */
export type HandshakeCrypto<C extends Contact> = {
	readonly ownFingerprint: string;
	/** Signs as the own identity, encrypts to `recipient` with a random key hint. */
	seal(plaintext: Uint8Array, recipient: C, date: Date): Promise<Uint8Array>;
	/** Opens a message to the own identity signed by one of `senders`. */
	open(sealed: Uint8Array, senders: readonly C[], date: Date): Promise<OpenOutcome<C>>;
	/** K_AB with this contact. */
	pairSecret(contact: C): Uint8Array;
};

export type Random = (length: number) => Uint8Array;

/** The same for every refusal; long enough to cover an OpenPGP decryption on a slow machine. */
export const rejectDelayMs = 2000;
/** A handshake not finished this long after the stream opened is abandoned. */
export const handshakeTimeoutMs = 30_000;
/** hs1 and hs2 may be this far off our clock, either way. */
export const clockWindowMs = 10 * 60 * 1000;

export type ListenerConfig<C extends Contact> = {
	crypto: HandshakeCrypto<C>;
	random: Random;
	/**
	 * Contacts allowed to connect now: all contacts minus those hidden from. Asked when hs1
	 * arrives and again when the handshake completes, just before hs2 is written, so a contact
	 * hidden from or removed meanwhile gets a stranger's refusal, not a signed hs2.
	 */
	senders: () => readonly C[];
	/** The address this stream came in on, plus the previous one while a rotation is under way. */
	localOnions: readonly string[];
	/** Shared by all streams of this identity. */
	replayCache: ReplayCache;
	rejectDelayMs?: number;
	timeoutMs?: number;
};

export type DialerConfig<C extends Contact> = {
	crypto: HandshakeCrypto<C>;
	random: Random;
	/** The contact dialed; hs2 must be signed by it. */
	contact: C;
	/** The address dialed, as read from the contact's registry record. */
	onion: string;
	timeoutMs?: number;
};

export type Established<C extends Contact> = {
	role: Role;
	peer: C;
	keys: SessionKeys;
	/**
	 * Bytes that followed the last handshake message in the same read: the first session frames.
	 * Bytes of later reads go to the session directly.
	 */
	leftover: Uint8Array;
	at: number;
};

export type HandshakeFailure =
	| 'malformed'
	| 'not-authenticated'
	| 'wrong-fingerprint'
	| 'wrong-nonce'
	| 'wrong-onion'
	| 'wrong-transcript'
	| 'stale'
	| 'replayed'
	| 'bad-ephemeral-key'
	| 'crypto-error'
	| 'timeout'
	| 'transport-closed';

export type HandshakeInput = {type: 'data'; bytes: Uint8Array; now: number} | {type: 'tick'; now: number} | {type: 'closed'; now: number};
export type HandshakeEvent<C extends Contact> = {type: 'established'; session: Established<C>} | {type: 'failed'; reason: HandshakeFailure};
export type HandshakeReply = {type: 'write'; bytes: Uint8Array} | {type: 'close'; delayMs: number};

type Common = {decoder: LengthPrefixedDecoder; startedAt: number; done: boolean};
type ListenerState<C extends Contact> = Common & {role: 'listener'; config: ListenerConfig<C>; hs0: Uint8Array; nonce: Uint8Array};
type DialerState<C extends Contact> = Common & {
	role: 'dialer';
	config: DialerConfig<C>;
	nonce: Uint8Array;
	ephemeral: Uint8Array;
	sent?: {hs0: Uint8Array; hs1: Uint8Array; listenerNonce: Uint8Array};
};
export type HandshakeState<C extends Contact> = ListenerState<C> | DialerState<C>;

export type HandshakeStep<C extends Contact> = {state: HandshakeState<C>; events: Array<HandshakeEvent<C>>; replies: HandshakeReply[]};

const same = (a: Uint8Array, b: Uint8Array) => a.byteLength === b.byteLength && timingSafeEqual(a, b);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

class Refusal extends Error {
	constructor(readonly reason: HandshakeFailure) {
		super(reason);
	}
}

function check(condition: boolean, reason: HandshakeFailure): asserts condition {
	if (!condition) {
		throw new Refusal(reason);
	}
}

/** A listener's stream has just been accepted (and admitted by PreAuthLimit): send hs0. */
export function startListener<C extends Contact>(config: ListenerConfig<C>, now: number): HandshakeStep<C> {
	const nonce = config.random(nonceBytes);
	const hs0 = encodeLengthPrefixed(nonce);
	const state: ListenerState<C> = {role: 'listener', config, nonce, hs0, decoder: new LengthPrefixedDecoder(maxHandshakeBytes, 1), startedAt: now, done: false};
	return {state, events: [], replies: [{type: 'write', bytes: hs0}]};
}

/** A dialer's stream to `config.onion` is open: wait for hs0. */
export function startDialer<C extends Contact>(config: DialerConfig<C>, now: number): HandshakeStep<C> {
	const state: DialerState<C> = {
		role: 'dialer',
		config,
		nonce: config.random(nonceBytes),
		ephemeral: config.random(32),
		decoder: new LengthPrefixedDecoder(maxHandshakeBytes, 1),
		startedAt: now,
		done: false,
	};
	return {state, events: [], replies: []};
}

function fail<C extends Contact>(state: HandshakeState<C>, reason: HandshakeFailure): HandshakeStep<C> {
	const delayMs = state.role === 'listener' ? (state.config.rejectDelayMs ?? rejectDelayMs) : 0;
	return {state: {...state, done: true}, events: [{type: 'failed', reason}], replies: reason === 'transport-closed' ? [] : [{type: 'close', delayMs}]};
}

/** Feeds one input. Never throws: every problem becomes a `failed` event and a close. */
export async function handleHandshake<C extends Contact>(state: HandshakeState<C>, input: HandshakeInput): Promise<HandshakeStep<C>> {
	if (state.done) {
		return {state, events: [], replies: []};
	}

	try {
		switch (input.type) {
			case 'closed': {
				return fail(state, 'transport-closed');
			}

			case 'tick': {
				const timeout = state.config.timeoutMs ?? handshakeTimeoutMs;
				return input.now - state.startedAt >= timeout ? fail(state, 'timeout') : {state, events: [], replies: []};
			}

			case 'data': {
				state.decoder.push(input.bytes);
				return state.role === 'listener' ? await listenerData(state, input.now) : await dialerData(state, input.now);
			}
		}
	} catch (error) {
		return fail(state, error instanceof Refusal ? error.reason : 'crypto-error');
	}
}

function nextMessage(decoder: LengthPrefixedDecoder): Uint8Array | undefined {
	const message = decoder.next();
	check(typeof message !== 'string', 'malformed');
	return message?.payload;
}

/**
 * The date signatures are verified at: the latest our peer's clock may show, since openpgp.js
 * refuses a signature made "in the future". The plaintext's own time is checked separately.
 */
const verificationDate = (now: number) => new Date(now + clockWindowMs);

function withinClock(time: number, now: number): boolean {
	return Math.abs(time - now) <= clockWindowMs;
}

async function listenerData<C extends Contact>(state: ListenerState<C>, now: number): Promise<HandshakeStep<C>> {
	const sealed = nextMessage(state.decoder);
	if (!sealed) {
		return {state, events: [], replies: []};
	}

	// An honest dialer sends nothing more before hs2; whatever follows (in this read or a later
	// one) goes to the session as `leftover`, where it fails authentication and closes it.
	const {config} = state;
	const opened = await config.crypto.open(sealed, config.senders(), verificationDate(now));
	check(opened.ok, 'not-authenticated');
	const parsed = decodeHs1(opened.plaintext);
	check(parsed.ok, 'malformed');
	const hs1 = parsed.value;
	const peer = opened.signer;
	check(hs1.dialer === peer.fingerprint && hs1.listener === config.crypto.ownFingerprint, 'wrong-fingerprint');
	check(same(hs1.listenerNonce, state.nonce), 'wrong-nonce');
	check(config.localOnions.includes(hs1.onion), 'wrong-onion');
	check(withinClock(hs1.time, now), 'stale');
	const ephemeral = config.random(32);
	const shared = x25519Shared(ephemeral, hs1.ephemeral);
	check(shared !== undefined, 'bad-ephemeral-key');
	// Last, so only complete, valid hs1s take a place in the cache.
	check(config.replayCache.remember(hex(hs1.dialerNonce), now), 'replayed');

	const hs1Wire = encodeLengthPrefixed(sealed);
	const hs2 = encodeHs2({
		dialer: hs1.dialer,
		listener: hs1.listener,
		listenerNonce: state.nonce,
		dialerNonce: hs1.dialerNonce,
		hs1Hash: sha256(hs1Wire),
		ephemeral: x25519PublicKey(ephemeral),
		time: now,
	});
	const hs2Wire = encodeLengthPrefixed(await config.crypto.seal(hs2, peer, new Date(now)));
	// Opening and sealing took time: the sender may have been hidden from or removed meanwhile.
	check(config.senders().some(sender => sender.fingerprint === peer.fingerprint), 'not-authenticated');
	const keys = deriveSessionKeys({role: 'listener', shared, pairSecret: config.crypto.pairSecret(peer), transcript: [state.hs0, hs1Wire, hs2Wire]});
	const session: Established<C> = {role: 'listener', peer, keys, leftover: state.decoder.drain(), at: now};
	return {state: {...state, done: true}, events: [{type: 'established', session}], replies: [{type: 'write', bytes: hs2Wire}]};
}

async function dialerData<C extends Contact>(state: DialerState<C>, now: number): Promise<HandshakeStep<C>> {
	const {config} = state;
	const replies: HandshakeReply[] = [];
	if (!state.sent) {
		const listenerNonce = nextMessage(state.decoder);
		if (!listenerNonce) {
			return {state, events: [], replies};
		}

		check(listenerNonce.byteLength === nonceBytes, 'malformed');
		check(isOnionAddress(config.onion), 'wrong-onion');
		const hs1 = encodeHs1({
			dialer: config.crypto.ownFingerprint,
			listener: config.contact.fingerprint,
			listenerNonce,
			dialerNonce: state.nonce,
			onion: config.onion,
			ephemeral: x25519PublicKey(state.ephemeral),
			time: now,
		});
		const hs1Wire = encodeLengthPrefixed(await config.crypto.seal(hs1, config.contact, new Date(now)));
		replies.push({type: 'write', bytes: hs1Wire});
		state = {...state, sent: {hs0: encodeLengthPrefixed(listenerNonce), hs1: hs1Wire, listenerNonce}};
	}

	const sent = state.sent!;
	const sealed = nextMessage(state.decoder);
	if (!sealed) {
		return {state, events: [], replies};
	}

	const opened = await config.crypto.open(sealed, [config.contact], verificationDate(now));
	check(opened.ok, 'not-authenticated');
	const parsed = decodeHs2(opened.plaintext);
	check(parsed.ok, 'malformed');
	const hs2 = parsed.value;
	check(opened.signer.fingerprint === config.contact.fingerprint && hs2.listener === config.contact.fingerprint && hs2.dialer === config.crypto.ownFingerprint, 'wrong-fingerprint');
	check(same(hs2.listenerNonce, sent.listenerNonce) && same(hs2.dialerNonce, state.nonce), 'wrong-nonce');
	check(same(hs2.hs1Hash, sha256(sent.hs1)), 'wrong-transcript');
	check(withinClock(hs2.time, now), 'stale');
	const shared = x25519Shared(state.ephemeral, hs2.ephemeral);
	check(shared !== undefined, 'bad-ephemeral-key');

	const keys = deriveSessionKeys({role: 'dialer', shared, pairSecret: config.crypto.pairSecret(config.contact), transcript: [sent.hs0, sent.hs1, encodeLengthPrefixed(sealed)]});
	const session: Established<C> = {role: 'dialer', peer: config.contact, keys, leftover: state.decoder.drain(), at: now};
	return {state: {...state, done: true}, events: [{type: 'established', session}], replies};
}

/**
 * Two sessions with the same contact (both sides dialed at once, or a redial raced the old
 * stream's end): which one stays. The one dialed by the smaller fingerprint, which both sides
 * decide alike; between two dialed by the same side, the later one (a dialer redials only once
 * it has given up on its previous stream). The runner closes the other with bye.
 */
export function keepSession(a: {dialer: string; establishedAt: number}, b: {dialer: string; establishedAt: number}): 'a' | 'b' {
	if (a.dialer !== b.dialer) {
		return a.dialer < b.dialer ? 'a' : 'b';
	}

	return b.establishedAt > a.establishedAt ? 'b' : 'a';
}
