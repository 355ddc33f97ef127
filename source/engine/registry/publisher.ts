// Keeps the user's current onion address in every visible contact's registry slot
// (docs/design.md, "Registry"). Timing policy:
// - Prompt: at start, on an onion change, on unhide and for a new contact, each slot is written
//   at a random moment within `promptWindowMs` (default 15 s). Such a burst follows an event
//   anyway, and contacts should find the new address quickly; the short jitter only keeps the
//   puts from leaving in one tight train.
// - Refresh: afterwards each contact has its own timer, re-armed after every write at a uniformly
//   random moment in [refreshMs/2, refreshMs] (default 20-40 min, well inside the ~2 h that real
//   DHT nodes keep items), so the puts of different slots drift apart and do not form bursts.
// - Next day: from `nextDayFromHour` UTC (default 21:00) each contact's slot of the next day is
//   written once, at a random moment before midnight; readers look at today and yesterday.
// - At most `concurrency` writes are in flight; writes to one slot never overlap, so their seq
//   order is their arrival order.
// - Hidden from (or removed): nothing more is written to the contact's slots; the last record
//   stays until it expires, exactly as after an exit, so the contact cannot tell the two apart.
// Everything runs on the injected clock and scheduler; stop() clears every timer.
import type {Certificate} from '../../keys/certificate.js';
import type {Identity} from '../../keys/identity.js';
import {pairSecret} from '../../keys/pair-secret.js';
import {dayStart, slotKeyPair, utcDay, type SlotKeyPair} from '../../keys/slot.js';
import {parseOnionAddress} from '../../net/onion-address.js';
import type {Registry} from '../../net/registry.js';
import {randomFraction, systemClock, systemScheduler, type Clock, type Scheduler} from '../clock.js';
import {sealRecord} from './record.js';
import {defaultRandomBytes, type RandomBytes} from './value.js';

export type Onion = {address: string; port: number};
export type PublisherEvent =
	| {type: 'published'; contact: string; day: number; seq: number; stored: number}
	| {type: 'failed'; contact: string; day: number; reason: string};

export type PublisherOptions = {
	identity: Identity;
	registry: Registry;
	/** Contacts that may see the user. */
	contacts?: readonly Certificate[];
	onion?: Onion;
	clock?: Clock;
	scheduler?: Scheduler;
	random?: RandomBytes;
	refreshMs?: number;
	promptWindowMs?: number;
	retryMs?: number;
	nextDayFromHour?: number;
	/** How long a record stays valid after it is written (and after its day starts). */
	recordLifetimeMs?: number;
	concurrency?: number;
	onEvent?: (event: PublisherEvent) => void;
	/**
	 * The time (µs) of the last write per contact, kept across restarts, so a clock set back
	 * cannot make a new record's seq fall below the last one's; default in memory.
	 */
	writeTimes?: WriteTimeStore;
};

export interface WriteTimeStore {
	get(contact: string): number | undefined;
	set(contact: string, microseconds: number): void;
}

type Slot = {keyPair: SlotKeyPair};
type ContactState = {
	certificate: Certificate;
	pairSecret: Uint8Array;
	hidden: boolean;
	refreshTimer?: unknown;
	nextDayTimer?: unknown;
	/** The last next-day slot planned, so each is written once. */
	plannedDay: number;
	slots: Map<number, Slot>;
};
type Job = {contact: string; day: number; done: Array<() => void>};

const minute = 60_000;
const hour = 60 * minute;

export class Publisher {
	readonly #identity: Identity;
	readonly #registry: Registry;
	readonly #clock: Clock;
	readonly #scheduler: Scheduler;
	readonly #random: RandomBytes;
	readonly #refreshMs: number;
	readonly #promptWindowMs: number;
	readonly #retryMs: number;
	readonly #nextDayFromMs: number;
	readonly #lifetimeMs: number;
	readonly #concurrency: number;
	readonly #onEvent: (event: PublisherEvent) => void;
	readonly #writeTimes: WriteTimeStore;
	readonly #contacts = new Map<string, ContactState>();
	#onion: Onion | undefined;
	#queue: Job[] = [];
	readonly #running = new Set<string>();
	#idle: Array<() => void> = [];
	#started = false;
	#stopped = false;

	constructor(options: PublisherOptions) {
		this.#identity = options.identity;
		this.#registry = options.registry;
		this.#clock = options.clock ?? systemClock;
		this.#scheduler = options.scheduler ?? systemScheduler;
		this.#random = options.random ?? defaultRandomBytes;
		this.#refreshMs = options.refreshMs ?? 40 * minute;
		this.#promptWindowMs = options.promptWindowMs ?? 15_000;
		this.#retryMs = options.retryMs ?? 2 * minute;
		this.#nextDayFromMs = (options.nextDayFromHour ?? 21) * hour;
		this.#lifetimeMs = options.recordLifetimeMs ?? 3 * hour;
		this.#concurrency = options.concurrency ?? 16;
		this.#onEvent = options.onEvent ?? (() => undefined);
		this.#writeTimes = options.writeTimes ?? memoryWriteTimes();
		this.#onion = options.onion ? checkedOnion(options.onion) : undefined;
		for (const certificate of options.contacts ?? []) {
			this.#addState(certificate);
		}
	}

	/** Writes every visible contact's slot promptly and keeps them fresh until stop(). */
	start(): void {
		if (this.#started || this.#stopped) {
			return;
		}

		this.#started = true;
		for (const fingerprint of this.#contacts.keys()) {
			this.#resume(fingerprint);
		}
	}

	/** A new onion address: every visible slot that still points to the old one is rewritten promptly. */
	setOnion(onion: Onion): void {
		const next = checkedOnion(onion);
		if (this.#onion?.address === next.address && this.#onion.port === next.port) {
			return;
		}

		this.#onion = next;
		if (this.#started && !this.#stopped) {
			for (const fingerprint of this.#contacts.keys()) {
				this.#resume(fingerprint);
			}
		}
	}

	addContact(certificate: Certificate): void {
		if (!this.#contacts.has(certificate.fingerprint)) {
			this.#addState(certificate);
			if (this.#started && !this.#stopped) {
				this.#resume(certificate.fingerprint);
			}
		}
	}

	/** A contact's refreshed certificate; a new encryption subkey means new slots, written at once. */
	replaceContact(certificate: Certificate): void {
		const state = this.#contacts.get(certificate.fingerprint);
		if (!state) {
			return;
		}

		const secret = pairSecret({own: this.#identity, contact: certificate});
		state.certificate = certificate;
		if (Buffer.compare(secret, state.pairSecret) !== 0) {
			state.pairSecret = secret;
			state.slots = new Map();
			if (this.#started && !this.#stopped) {
				this.#resume(certificate.fingerprint);
			}
		}
	}

	/**
	 * Stops publishing for the contact at once: queued writes are dropped, a write in flight
	 * finishes (as on stop()). Its slots keep the last record until it expires: overwriting them
	 * (with a decoy, say) would tell the contact it was hidden from, and when.
	 */
	hide(fingerprint: string): void {
		const state = this.#contacts.get(fingerprint);
		if (!state || state.hidden) {
			return;
		}

		state.hidden = true;
		this.#clearTimers(state);
		const dropped = this.#queue.filter(job => job.contact === fingerprint);
		this.#queue = this.#queue.filter(job => job.contact !== fingerprint);
		for (const done of dropped.flatMap(job => job.done)) {
			done();
		}

		this.#pump();
	}

	/** Publishes for a hidden contact again. */
	unhide(fingerprint: string): void {
		const state = this.#contacts.get(fingerprint);
		if (state?.hidden) {
			state.hidden = false;
			if (this.#started && !this.#stopped) {
				this.#resume(fingerprint);
			}
		}
	}

	/** Hides the contact, then forgets it. */
	removeContact(fingerprint: string): void {
		this.hide(fingerprint);
		this.#contacts.delete(fingerprint);
	}

	/** Resolves once no write is queued or in flight (timers may still be armed). */
	whenIdle(): Promise<void> {
		if (this.#queue.length === 0 && this.#running.size === 0) {
			return Promise.resolve();
		}

		return new Promise(resolve => this.#idle.push(resolve));
	}

	/** Clears every timer and drops queued writes; writes in flight finish. */
	stop(): void {
		this.#stopped = true;
		for (const state of this.#contacts.values()) {
			this.#clearTimers(state);
		}

		const dropped = this.#queue;
		this.#queue = [];
		for (const job of dropped) {
			for (const done of job.done) {
				done();
			}
		}

		this.#pump();
	}

	#addState(certificate: Certificate): void {
		this.#contacts.set(certificate.fingerprint, {
			certificate,
			pairSecret: pairSecret({own: this.#identity, contact: certificate}),
			hidden: false,
			plannedDay: 0,
			slots: new Map(),
		});
	}

	#clearTimers(state: ContactState): void {
		this.#scheduler.clearTimeout(state.refreshTimer);
		this.#scheduler.clearTimeout(state.nextDayTimer);
		state.refreshTimer = undefined;
		state.nextDayTimer = undefined;
	}

	/** Prompt writes of today's slot and of any later day already written, then the next-day plan. */
	#resume(fingerprint: string): void {
		const state = this.#contacts.get(fingerprint);
		if (!state || state.hidden) {
			return;
		}

		this.#scheduler.clearTimeout(state.refreshTimer);
		state.refreshTimer = this.#scheduler.setTimeout(() => {
			state.refreshTimer = undefined;
			const today = utcDay(this.#clock.now());
			for (const day of [today, ...[...state.slots.keys()].filter(day => day > today)]) {
				void this.#enqueue(fingerprint, day);
			}
		}, this.#jitter(0, this.#promptWindowMs));
		this.#planNextDay(fingerprint);
	}

	#armRefresh(fingerprint: string, delayMs: number): void {
		const state = this.#contacts.get(fingerprint);
		if (!state || state.hidden || this.#stopped) {
			return;
		}

		this.#scheduler.clearTimeout(state.refreshTimer);
		state.refreshTimer = this.#scheduler.setTimeout(() => {
			state.refreshTimer = undefined;
			void this.#enqueue(fingerprint, utcDay(this.#clock.now()));
		}, delayMs);
	}

	#planNextDay(fingerprint: string): void {
		const state = this.#contacts.get(fingerprint);
		if (!state || state.hidden || this.#stopped) {
			return;
		}

		const now = this.#clock.now();
		const day = Math.max(utcDay(now) + 1, state.plannedDay + 1);
		const from = Math.max(now, dayStart(day - 1) + this.#nextDayFromMs);
		// Finish a minute before midnight so the record is there when the day begins.
		const until = dayStart(day) - minute;
		this.#scheduler.clearTimeout(state.nextDayTimer);
		state.nextDayTimer = this.#scheduler.setTimeout(() => {
			state.nextDayTimer = undefined;
			state.plannedDay = day;
			if (this.#clock.now() < dayStart(day)) {
				void this.#enqueue(fingerprint, day);
			}

			this.#planNextDay(fingerprint);
		}, from < until ? this.#jitter(from - now, until - now) : dayStart(day) - now);
	}

	#jitter(minMs: number, maxMs: number): number {
		return Math.max(0, Math.floor(minMs + (maxMs - minMs) * randomFraction(this.#random)));
	}

	#enqueue(contact: string, day: number): Promise<void> {
		return new Promise(resolve => {
			if (this.#stopped) {
				resolve();
				return;
			}

			const queued = this.#queue.find(job => job.contact === contact && job.day === day);
			if (queued) {
				queued.done.push(resolve);
			} else {
				this.#queue.push({contact, day, done: [resolve]});
			}

			this.#pump();
		});
	}

	#pump(): void {
		while (this.#running.size < this.#concurrency) {
			const index = this.#queue.findIndex(job => !this.#running.has(`${job.contact}/${job.day}`));
			if (index === -1) {
				break;
			}

			const [job] = this.#queue.splice(index, 1);
			if (job) {
				const key = `${job.contact}/${job.day}`;
				this.#running.add(key);
				void this.#write(job).finally(() => {
					this.#running.delete(key);
					for (const done of job.done) {
						done();
					}

					this.#pump();
				});
			}
		}

		if (this.#queue.length === 0 && this.#running.size === 0) {
			const waiting = this.#idle;
			this.#idle = [];
			for (const resolve of waiting) {
				resolve();
			}
		}
	}

	async #write(job: Job): Promise<void> {
		const state = this.#contacts.get(job.contact);
		const onion = this.#onion;
		if (!state || state.hidden || !onion) {
			return;
		}

		const now = this.#clock.now();
		let slot = state.slots.get(job.day);
		if (!slot) {
			const keyPair = slotKeyPair({pairSecret: state.pairSecret, publisher: this.#identity.fingerprint, reader: job.contact, day: job.day});
			slot = {keyPair};
			state.slots.set(job.day, slot);
			this.#forgetOldSlots(state, now);
		}

		// seq = the publish time in µs, as every pkarr client writes it, so it sets no value apart;
		// above the contact's last write (the same slot or another), so newer always wins, even
		// across a restart with a clock set back.
		const seq = Math.max(Math.floor(now * 1000), (this.#writeTimes.get(job.contact) ?? -1) + 1);
		this.#writeTimes.set(job.contact, seq);
		const expiresAt = Math.max(now, dayStart(job.day)) + this.#lifetimeMs;
		try {
			const value = await sealRecord({record: {reader: job.contact, day: job.day, onion: onion.address, port: onion.port, issuedAt: now, expiresAt}, signer: this.#identity, recipient: state.certificate, slot: slot.keyPair, date: new Date(now), random: this.#random});
			const {stored} = await this.#registry.publish({keyPair: {publicKey: slot.keyPair.publicKey, secretSeed: slot.keyPair.seed}, value, seq});
			this.#onEvent({type: 'published', contact: job.contact, day: job.day, seq, stored});
			if (job.day === utcDay(this.#clock.now())) {
				this.#armRefresh(job.contact, this.#jitter(this.#refreshMs / 2, this.#refreshMs));
			}
		} catch (error) {
			this.#onEvent({type: 'failed', contact: job.contact, day: job.day, reason: error instanceof Error ? error.message : String(error)});
			if (job.day === utcDay(this.#clock.now())) {
				this.#armRefresh(job.contact, this.#jitter(this.#retryMs / 2, this.#retryMs));
			}
		}
	}

	/** Slots older than yesterday can hold nothing a reader still looks at. */
	#forgetOldSlots(state: ContactState, now: number): void {
		const yesterday = utcDay(now) - 1;
		for (const day of state.slots.keys()) {
			if (day < yesterday) {
				state.slots.delete(day);
			}
		}
	}
}

function checkedOnion(onion: Onion): Onion {
	const address = parseOnionAddress(onion.address);
	if (!address || !Number.isInteger(onion.port) || onion.port < 1 || onion.port > 65_535) {
		throw new TypeError('The onion service address must be a v3 onion address (56 characters) and a port from 1 to 65535.');
	}

	return {address, port: onion.port};
}

function memoryWriteTimes(): WriteTimeStore {
	const times = new Map<string, number>();
	return {
		get: contact => times.get(contact),
		set(contact, microseconds) {
			times.set(contact, microseconds);
		},
	};
}
