// The sans-IO session protocol: framing, handshake and session state machines. The engine's
// session runner (sockets, timers, storage) drives these; nothing here does I/O.
export {checkFrameBody, isMessageId, isOnionAddress, maxMessageTextBytes, maxStatusBytes, type FrameBody, type PresenceState} from './codec.js';
export {maxFrameBytes, maxFrameCounter, maxHandshakeBytes} from './frames.js';
export {
	clockWindowMs,
	handleHandshake,
	handshakeTimeoutMs,
	keepSession,
	rejectDelayMs,
	startDialer,
	startListener,
	type Contact,
	type DialerConfig,
	type Established,
	type HandshakeCrypto,
	type HandshakeEvent,
	type HandshakeFailure,
	type HandshakeInput,
	type HandshakeReply,
	type HandshakeState,
	type HandshakeStep,
	type ListenerConfig,
	type OpenOutcome,
	type Random,
} from './handshake.js';
export {keysHandshakeCrypto} from './keys-crypto.js';
export {defaultPreAuthCap, PreAuthLimit} from './preauth-limit.js';
export {ReplayCache, type ReplayCacheOptions} from './replay-cache.js';
export type {Role, SessionKeys} from './session-keys.js';
export {
	deadAfterMs,
	handleSession,
	pingAfterMs,
	startSession,
	type OutboundBody,
	type SessionCloseReason,
	type SessionEvent,
	type SessionInput,
	type SessionOptions,
	type SessionReply,
	type SessionState,
	type SessionStep,
} from './session.js';
