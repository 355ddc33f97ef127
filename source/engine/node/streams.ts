// The engine's streams: every onion stream, dialed or accepted, runs the sans-IO
// handshake and session cores through a StreamRunner. Here the established session is matched
// to its contact (one session per contact: keepSession decides, and a session the contact
// seems to have lost is probed), the outbox is resent on connect, and the end of a session
// means offline and a new lookup.
import type {Socket} from 'node:net';
import type {Certificate} from '../../keys/index.js';
import type {Peer, PeerTable} from './peers.js';
import {handleSessionEvent} from './session-events.js';
import type {Visibility} from './visibility.js';
import type {EngineEvent} from '../events.js';
import type {Clock, Scheduler} from '../clock.js';
import {keepSession, PreAuthLimit, ReplayCache, startDialer, startListener, type Established, type HandshakeCrypto, type HandshakeStep, type PresenceState, type Random} from '../session/index.js';
import {StreamRunner, type SendResult} from './stream-runner.js';
import type {Store, Message} from '../store/index.js';

export type SessionHubOptions = {
	ownFingerprint: string;
	crypto: HandshakeCrypto<Certificate>;
	random: Random;
	clock: Clock;
	scheduler: Scheduler;
	tickMs?: number;
	/** How long a session that may be stale gets to answer a ping; default 5 s. */
	probeTimeoutMs?: number;
	store: Store;
	log: (line: string) => void;
	emit: (event: EngineEvent) => void;
	peers: PeerTable;
	visibility: Visibility;
	presence: () => {state: PresenceState; status: string};
	/** The addresses a dialer may name: the current onion and those being retired. */
	localOnions: () => string[];
	onionPort: () => number;
	stopping: () => boolean;
};

export class SessionHub {
	readonly #options: SessionHubOptions;
	readonly #streams = new Set<StreamRunner>();
	readonly #preAuth = new PreAuthLimit();
	readonly #replayCache = new ReplayCache();

	constructor(options: SessionHubOptions) {
		this.#options = options;
	}

	/** Every stream now (for bye on stop, and when tor went away). */
	streams(): StreamRunner[] {
		return [...this.#streams];
	}

	/** The dialer's handshake on a new stream to a contact's onion. */
	async dial(socket: Socket, peer: Peer, onion: string, signal: AbortSignal): Promise<Established<Certificate> | undefined> {
		const runner = this.#run(socket, startDialer({crypto: this.#options.crypto, random: this.#options.random, contact: peer.certificate, onion}, this.#options.clock.now()));
		const onAbort = () => {
			if (!runner.established) {
				runner.abort('the dial was called off');
			}
		};

		signal.addEventListener('abort', onAbort, {once: true});
		try {
			return await runner.handshake;
		} finally {
			signal.removeEventListener('abort', onAbort);
		}
	}

	/** A stream tor forwarded to the onion service: the listener's handshake, capped before authentication. */
	incoming(socket: Socket): void {
		const localOnions = this.#options.localOnions();
		if (this.#options.stopping() || localOnions.length === 0 || !this.#preAuth.tryAdmit()) {
			socket.destroy();
			return;
		}

		const runner = this.#run(socket, startListener({
			crypto: this.#options.crypto,
			random: this.#options.random,
			senders: () => this.#options.visibility.visible(),
			localOnions,
			replayCache: this.#replayCache,
		}, this.#options.clock.now()));
		void runner.handshake.then(() => {
			this.#preAuth.release();
		});
	}

	#run(socket: Socket, start: HandshakeStep<Certificate>): StreamRunner {
		const runner = new StreamRunner({
			socket,
			start,
			clock: this.#options.clock,
			scheduler: this.#options.scheduler,
			...(this.#options.tickMs === undefined ? {} : {tickMs: this.#options.tickMs}),
			hooks: {
				onEstablished: (stream, established) => this.#onEstablished(stream, established),
				onSessionEvent: (stream, event) => {
					handleSessionEvent({
						store: this.#options.store,
						emit: this.#options.emit,
						log: this.#options.log,
						peers: this.#options.peers,
						onionPort: () => this.#options.onionPort(),
					}, stream, event);
				},
				onEnd: (stream, reason) => {
					this.#onEnd(stream, reason);
				},
			},
		});
		this.#streams.add(runner);
		return runner;
	}

	#onEstablished(runner: StreamRunner, established: Established<Certificate>): boolean {
		const peer = this.#options.peers.get(established.peer.fingerprint);
		if (!peer || peer.hidden || this.#options.visibility.invisible || this.#options.stopping()) {
			return false;
		}

		const contact = established.peer.fingerprint;
		const own = this.#options.ownFingerprint;
		const dialer = (session: Established<Certificate>) => (session.role === 'dialer' ? own : session.peer.fingerprint);
		const old = peer.session;
		const previous = old?.established;
		if (old && previous && keepSession({dialer: dialer(previous), establishedAt: previous.at}, {dialer: dialer(established), establishedAt: established.at}) === 'a') {
			// The contact dialed although a session exists: it has lost its end of ours (its tor
			// restarted, say), which may not have reached us yet. Ask ours; a silent one is closed,
			// and the redial that follows wins.
			void old.probe(this.#options.probeTimeoutMs ?? 5000).then(alive => {
				if (!alive && this.#options.peers.get(contact)?.session === old) {
					old.abort('the contact stopped answering on this session');
				}
			});
			return false;
		}

		if (this.#options.peers.attach(contact, runner)) {
			old?.bye();
		} else {
			this.#options.emit({type: 'contact.online', contact});
		}

		// Queued after the leftover is fed, so the peer's first frames are handled first. Until
		// it runs, send() only stores: the resend below takes new messages along, in order.
		queueMicrotask(() => {
			if (!this.#options.peers.resendStarts(contact, runner)) {
				return;
			}

			runner.send({kind: 'presence', ...this.#options.presence()});
			for (const message of this.#options.store.unackedOutgoing({contact})) {
				this.sendStored(runner, message);
			}
		});
		return true;
	}

	/**
	 * Hands a stored outgoing message to a session; it is marked sent once its frame is written
	 * to the socket. A body the session refuses can never be sent: it fails and leaves the
	 * outbox, instead of being offered again on every connect.
	 */
	sendStored(runner: StreamRunner, message: Message): SendResult {
		const {store, emit} = this.#options;
		const refused = runner.send({kind: 'message', id: message.id, sentAt: message.createdAt, text: message.body}, () => {
			if (store.setState(message.id, 'sent')) {
				emit({type: 'message.state', id: message.id, contact: message.contact, state: 'sent'});
			}
		});
		if (typeof refused === 'object' && store.setState(message.id, 'failed')) {
			emit({type: 'message.state', id: message.id, contact: message.contact, state: 'failed'});
			emit({type: 'error', scope: 'session', message: `a queued message cannot be sent and was marked failed: ${refused.refused}`});
		}

		return refused;
	}

	#onEnd(runner: StreamRunner, reason: string): void {
		this.#streams.delete(runner);
		const contact = runner.established?.peer.fingerprint;
		if (contact === undefined || !this.#options.peers.detach(contact, runner)) {
			return;
		}

		this.#options.emit({type: 'contact.offline', contact, reason});
		if (!this.#options.stopping()) {
			this.#options.peers.lookup(contact);
		}
	}
}
