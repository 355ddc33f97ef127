// The engine's contacts at run time: one Peer each, whose state only this table changes, and the
// loop that finds and dials them: read their registry slot (or the address an onion-change frame named), dial it
// over Tor's SOCKS port on circuits of their own, run the dialer's handshake, and on failure try
// again after a backoff that doubles up to a cap. Hidden contacts, an invisible user and a
// stopping engine dial no one. Log lines name no contact and no onion address.
import type {Socket} from 'node:net';
import type {Certificate} from '../../keys/index.js';
import {dialWithRetry, type SocksEndpoint} from '../../net/socks.js';
import {jitteredDelay} from './jitter.js';
import type {StreamRunner} from './stream-runner.js';
import type {Scheduler} from '../clock.js';
import type {RegistryReader} from '../registry/index.js';
import type {Established, PresenceState, Random} from '../session/index.js';

/** What the contact said of itself on its session; reset when a session starts or ends. */
export type Heard = {presence: PresenceState; status: string; typing: boolean};

type PeerState = {
	certificate: Certificate;
	hidden: boolean;
	/** SOCKS credentials that put this contact's streams on circuits of their own. */
	isolation: {username: string; password: string};
	session: StreamRunner | undefined;
	dialing: boolean;
	/** Aborts the dial (and its handshake) in flight when the contact is cut off. */
	dialAbort: AbortController | undefined;
	backoffMs: number;
	lookupTimer: unknown;
	/** Where an onion-change frame said the contact moved; dialed before a registry lookup. */
	movedTo: {onion: string; port: number} | undefined;
	/** A new session's outbox resend is queued: new messages wait for it, to keep the order. */
	resendPending: boolean;
	heard: Heard;
};

/** A contact as the rest of the engine sees it: read-only; the table's methods change it. */
export type Peer = Readonly<PeerState>;

const nothingHeard: Heard = {presence: 'online', status: '', typing: false};

export type PeerTableOptions = {
	scheduler: Scheduler;
	random: Random;
	log: (line: string) => void;
	/** First lookup retry delay and its cap. */
	backoffMs: {first: number; max: number};
	/** False while the user is invisible or the engine stops: no lookups, no dials. */
	mayDial: () => boolean;
	reader: () => Pick<RegistryReader, 'lookupContact'> | undefined;
	/** Undefined until tor is found: no dials. */
	socks: () => SocksEndpoint | undefined;
	signal: AbortSignal;
	/** Runs the dialer's handshake on a new stream to `onion`; an abort closes the stream. */
	handshake: (socket: Socket, peer: Peer, onion: string, signal: AbortSignal) => Promise<Established<Certificate> | undefined>;
};

export class PeerTable {
	readonly #options: PeerTableOptions;
	readonly #peers = new Map<string, PeerState>();

	constructor(options: PeerTableOptions) {
		this.#options = options;
	}

	get(fingerprint: string): Peer | undefined {
		return this.#peers.get(fingerprint);
	}

	values(): Peer[] {
		return [...this.#peers.values()];
	}

	/** Contacts that may see the user: not hidden (the caller handles invisible). */
	unhidden(): Certificate[] {
		return this.values().filter(peer => !peer.hidden).map(peer => peer.certificate);
	}

	/** Adds a contact (no-op if known); returns whether it is new. */
	add(certificate: Certificate, hidden: boolean): boolean {
		if (this.#peers.has(certificate.fingerprint)) {
			return false;
		}

		this.#peers.set(certificate.fingerprint, {
			certificate,
			hidden,
			// SOCKS credentials of its own put this contact's streams on circuits of their own.
			isolation: {username: Buffer.from(this.#options.random(16)).toString('hex'), password: 'umbra'},
			session: undefined,
			dialing: false,
			dialAbort: undefined,
			backoffMs: this.#options.backoffMs.first,
			lookupTimer: undefined,
			movedTo: undefined,
			resendPending: false,
			heard: nothingHeard,
		});
		return true;
	}

	/** A refreshed certificate of the contact (a new expiry, a new subkey); returns whether it is a peer. */
	setCertificate(certificate: Certificate): boolean {
		const peer = this.#peers.get(certificate.fingerprint);
		if (peer) {
			peer.certificate = certificate;
		}

		return peer !== undefined;
	}

	/** Hidden (appears offline to it) or shown; returns whether that changed anything. */
	setHidden(fingerprint: string, hidden: boolean): boolean {
		const peer = this.#peers.get(fingerprint);
		if (!peer || peer.hidden === hidden) {
			return false;
		}

		peer.hidden = hidden;
		return true;
	}

	/**
	 * `runner` is the contact's session now; returns the one it replaces, if any. The outbox
	 * resend is pending from here until resendStarts(). A first session resets the backoff.
	 */
	attach(fingerprint: string, runner: StreamRunner): StreamRunner | undefined {
		const peer = this.#peers.get(fingerprint);
		if (!peer) {
			return undefined;
		}

		const previous = peer.session;
		peer.session = runner;
		peer.resendPending = true;
		if (!previous) {
			peer.heard = nothingHeard;
			peer.backoffMs = this.#options.backoffMs.first;
			this.#options.scheduler.clearTimeout(peer.lookupTimer);
		}

		return previous;
	}

	/** The resend on `runner` runs now; false if it is no longer the contact's session. */
	resendStarts(fingerprint: string, runner: StreamRunner): boolean {
		const peer = this.#peers.get(fingerprint);
		if (peer?.session !== runner) {
			return false;
		}

		peer.resendPending = false;
		return true;
	}

	/** `runner` ended; returns whether it was the contact's session (the contact is offline now). */
	detach(fingerprint: string, runner: StreamRunner): boolean {
		const peer = this.#peers.get(fingerprint);
		if (peer?.session !== runner) {
			return false;
		}

		peer.session = undefined;
		peer.resendPending = false;
		peer.heard = nothingHeard;
		return true;
	}

	/** The session to write to now; undefined when there is none or its resend still waits. */
	writable(fingerprint: string): StreamRunner | undefined {
		const peer = this.#peers.get(fingerprint);
		return peer?.resendPending ? undefined : peer?.session;
	}

	/** What the contact said on its session: presence, status, typing. */
	heard(fingerprint: string, change: Partial<Heard>): void {
		const peer = this.#peers.get(fingerprint);
		if (peer?.session) {
			peer.heard = {...peer.heard, ...change};
		}
	}

	/** An onion-change frame: the next dial goes there first. */
	moved(fingerprint: string, address: {onion: string; port: number}): void {
		const peer = this.#peers.get(fingerprint);
		if (peer) {
			peer.movedTo = address;
		}
	}

	delete(fingerprint: string): void {
		const peer = this.#peers.get(fingerprint);
		if (peer) {
			this.cutOff(fingerprint);
			this.#peers.delete(fingerprint);
		}
	}

	/** No session, no dialing, no lookups for this contact until looked up again. */
	cutOff(fingerprint: string): void {
		const peer = this.#peers.get(fingerprint);
		if (!peer) {
			return;
		}

		this.#options.scheduler.clearTimeout(peer.lookupTimer);
		// A dial still under way would otherwise reach them after the cut (and tell them we are online).
		peer.dialAbort?.abort(new Error('the contact was cut off'));
		peer.movedTo = undefined;
		peer.session?.bye();
	}

	/** The engine stops: no lookup timer is left behind (sessions get their bye elsewhere). */
	stopLookups(): void {
		for (const peer of this.#peers.values()) {
			this.#options.scheduler.clearTimeout(peer.lookupTimer);
		}
	}

	/** Every visible contact without a session is looked up now (tor came back). */
	redialAll(): void {
		for (const peer of this.#peers.values()) {
			peer.backoffMs = this.#options.backoffMs.first;
			if (!peer.hidden && !peer.session) {
				this.lookup(peer.certificate.fingerprint, 0);
			}
		}
	}

	/** Looks the contact up (and dials it) after `delayMs`; `undefined` delay: its backoff. */
	lookup(fingerprint: string, delayMs?: number): void {
		const peer = this.#peers.get(fingerprint);
		if (!peer || !this.#options.mayDial()) {
			return;
		}

		this.#options.scheduler.clearTimeout(peer.lookupTimer);
		peer.lookupTimer = this.#options.scheduler.setTimeout(() => {
			void this.#lookupAndDial(fingerprint);
		}, delayMs ?? peer.backoffMs);
	}

	async #lookupAndDial(fingerprint: string): Promise<void> {
		const peer = this.#peers.get(fingerprint);
		const reader = this.#options.reader();
		const proxy = this.#options.socks();
		if (!peer || peer.hidden || peer.session || peer.dialing || !reader || !proxy || !this.#options.mayDial()) {
			return;
		}

		peer.dialing = true;
		const abort = new AbortController();
		peer.dialAbort = abort;
		const signal = AbortSignal.any([this.#options.signal, abort.signal]);
		let established: Established<Certificate> | undefined;
		try {
			// Told by an onion-change frame: dial there first, once; then the registry.
			const address = peer.movedTo ?? await reader.lookupContact(peer.certificate);
			peer.movedTo = undefined;
			if (!address) {
				// Offline, or what the slot holds is not theirs (ignored without noise, but said in debug).
				this.#options.log(`a lookup found no usable address; looking again in ${peer.backoffMs} ms`);
			}

			if (address && !peer.session && this.#options.mayDial()) {
				const onion = `${address.onion}.onion`;
				const socket = await dialWithRetry({
					proxy,
					destination: {host: onion, port: address.port},
					isolation: peer.isolation,
					signal,
					overallTimeoutMs: 60_000,
				});
				if (signal.aborted || this.#peers.get(fingerprint) !== peer || peer.hidden || peer.session || !this.#options.mayDial()) {
					socket.destroy();
				} else {
					established = await this.#options.handshake(socket, peer, onion, signal);
				}
			}
		} catch (error) {
			this.#options.log(`dialing a contact failed: ${(error as Error).message.replaceAll(/[a-z2-7]{56}\.onion/g, '<onion>')}`);
		} finally {
			peer.dialing = false;
			if (peer.dialAbort === abort) {
				peer.dialAbort = undefined;
			}
		}

		if (!established && !peer.session && this.#peers.get(fingerprint) === peer) {
			const mean = peer.backoffMs;
			peer.backoffMs = Math.min(mean * 2, this.#options.backoffMs.max);
			// Spread around the mean: a fixed period would mark the lookups as one umbra's (jitter.ts).
			this.lookup(fingerprint, jitteredDelay(mean, this.#options.random));
		}
	}
}
