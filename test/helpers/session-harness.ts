// Test harness of the session core: a deterministic stand-in for the OpenPGP crypto port, a
// seeded random source, and a pump that carries bytes between a dialer and a listener. The fake
// "seal" is not encryption: it names signer and recipient in clear and authenticates with a
// hash keyed by the signer's name. It checks exactly what the real port checks (recipient,
// known signer, integrity), so the state machines can be driven fast and replayed exactly.
import {createHash} from 'node:crypto';
import {
	handleHandshake,
	startDialer,
	startListener,
	type DialerConfig,
	type Established,
	type HandshakeCrypto,
	type HandshakeEvent,
	type HandshakeReply,
	type HandshakeState,
	type ListenerConfig,
} from '../../source/engine/index.js';

export type FakeContact = {readonly fingerprint: string; readonly name: string};

const sha256 = (...parts: Array<Uint8Array | string>) => {
	const hash = createHash('sha256');
	for (const part of parts) {
		hash.update(part);
	}

	return new Uint8Array(hash.digest());
};

const magic = Buffer.from('FAKE', 'ascii');

export function fakeContact(name: string): FakeContact {
	return {name, fingerprint: createHash('sha1').update(name).digest('hex').toUpperCase()};
}

/** The fake port of `self`; a signature is SHA-256(signer's secret || recipient || plaintext). */
export function fakeCrypto(self: FakeContact): HandshakeCrypto<FakeContact> {
	const secretOf = (contact: FakeContact) => sha256('fake signing secret', contact.fingerprint);
	const fpr = (contact: FakeContact) => Buffer.from(contact.fingerprint, 'hex');
	return {
		ownFingerprint: self.fingerprint,
		async seal(plaintext, recipient) {
			const mac = sha256(secretOf(self), fpr(recipient), plaintext);
			return new Uint8Array(Buffer.concat([magic, fpr(recipient), fpr(self), plaintext, mac]));
		},
		async open(sealed, senders) {
			const bytes = Buffer.from(sealed);
			if (bytes.byteLength < 4 + 20 + 20 + 32 || !bytes.subarray(0, 4).equals(magic)) {
				return {ok: false, reason: 'malformed'};
			}

			if (!bytes.subarray(4, 24).equals(fpr(self))) {
				return {ok: false, reason: 'not-for-us'};
			}

			const signerFpr = bytes.subarray(24, 44).toString('hex').toUpperCase();
			const signer = senders.find(sender => sender.fingerprint === signerFpr);
			if (!signer) {
				return {ok: false, reason: 'unknown-signer'};
			}

			const plaintext = new Uint8Array(bytes.subarray(44, bytes.byteLength - 32));
			const mac = bytes.subarray(bytes.byteLength - 32);
			return mac.equals(sha256(secretOf(signer), fpr(self), plaintext)) ? {ok: true, plaintext, signer} : {ok: false, reason: 'bad-signature'};
		},
		pairSecret(contact) {
			const [first, second] = [self.fingerprint, contact.fingerprint].sort();
			return sha256('fake pair secret', first!, second!);
		},
	};
}

/** A seeded byte stream (SHA-256 in counter mode): the same seed gives the same "random" bytes. */
export function seededRandom(seed: string): (length: number) => Uint8Array {
	let counter = 0;
	return length => {
		const out = new Uint8Array(length);
		for (let filled = 0; filled < length; filled += 32) {
			out.set(sha256(seed, String(counter++)).subarray(0, length - filled), filled);
		}

		return out;
	};
}

export const onionA = `${'a'.repeat(55)}d.onion`;
export const onionB = `${'b'.repeat(55)}d.onion`;

const writes = (replies: readonly HandshakeReply[]) => replies.flatMap(reply => (reply.type === 'write' ? [reply.bytes] : []));

export type HandshakeRun<C extends {fingerprint: string}> = {
	dialer: Array<HandshakeEvent<C>>;
	listener: Array<HandshakeEvent<C>>;
	/** Every write, in order, with its author: the transcript. */
	wire: Array<{from: 'dialer' | 'listener'; bytes: Uint8Array}>;
	dialerReplies: HandshakeReply[];
	listenerReplies: HandshakeReply[];
	dialerSession?: Established<C>;
	listenerSession?: Established<C>;
};

/**
 * Runs both state machines against each other until neither has anything more to say. `tamper`
 * may change (or drop, returning undefined) the bytes on the wire.
 */
export async function runHandshake<C extends {fingerprint: string}>(options: {
	dialer: DialerConfig<C>;
	listener: ListenerConfig<C>;
	now: number;
	dialerNow?: number;
	tamper?: (from: 'dialer' | 'listener', bytes: Uint8Array, index: number) => Uint8Array | undefined;
}): Promise<HandshakeRun<C>> {
	const {now} = options;
	const dialerNow = options.dialerNow ?? now;
	const run: HandshakeRun<C> = {dialer: [], listener: [], wire: [], dialerReplies: [], listenerReplies: []};
	let dialer: HandshakeState<C> = startDialer(options.dialer, dialerNow).state;
	const started = startListener(options.listener, now);
	let listener: HandshakeState<C> = started.state;
	run.listenerReplies.push(...started.replies);
	let toDialer = writes(started.replies);
	const toListener: Uint8Array[] = [];
	let index = 0;
	const carry = (from: 'dialer' | 'listener', chunks: Uint8Array[]) =>
		chunks.flatMap(bytes => {
			run.wire.push({from, bytes});
			const changed = options.tamper ? options.tamper(from, bytes, index) : bytes;
			index += 1;
			return changed ? [changed] : [];
		});
	toDialer = carry('listener', toDialer);
	while (toDialer.length > 0 || toListener.length > 0) {
		for (const bytes of toDialer.splice(0)) {
			const step = await handleHandshake(dialer, {type: 'data', bytes, now: dialerNow});
			dialer = step.state;
			run.dialer.push(...step.events);
			run.dialerReplies.push(...step.replies);
			toListener.push(...carry('dialer', writes(step.replies)));
		}

		for (const bytes of toListener.splice(0)) {
			const step = await handleHandshake(listener, {type: 'data', bytes, now});
			listener = step.state;
			run.listener.push(...step.events);
			run.listenerReplies.push(...step.replies);
			toDialer.push(...carry('listener', writes(step.replies)));
		}
	}

	for (const event of run.dialer) {
		if (event.type === 'established') {
			run.dialerSession = event.session;
		}
	}

	for (const event of run.listener) {
		if (event.type === 'established') {
			run.listenerSession = event.session;
		}
	}

	return run;
}
