// Finds a contact's current onion address in the registry: reads the contact's slot for us of
// today and, only when that holds no valid record in the first hours of a day, yesterday's; opens
// both layers of each value (the slot's seal, then the OpenPGP message), checks it to the last
// field, and reports the valid record. Anything a DHT node or an attacker can put there that fails a check is counted
// by reason and otherwise ignored: the caller never sees an exception from bad input.
import type {Certificate} from '../../keys/certificate.js';
import type {Identity} from '../../keys/identity.js';
import {pairSecret} from '../../keys/pair-secret.js';
import {open} from '../../keys/seal.js';
import {dayMs, dayStart, slotKeyPair, utcDay, type SlotKeyPair} from '../../keys/slot.js';
import type {Registry} from '../../net/registry.js';
import {systemClock, type Clock} from '../clock.js';
import {decodeRecord} from './record.js';
import {maxSealedBytes, unwrapValue} from './value.js';

export const rejectReasons = ['bad-framing', 'not-from-slot', 'not-for-us', 'malformed', 'bad-signature', 'unknown-signer', 'bad-record', 'wrong-reader', 'wrong-day', 'expired', 'from-the-future', 'stale'] as const;
export type RejectReason = typeof rejectReasons[number];

/**
 * The newest issue time seen per contact: a record older than that is a rollback (a DHT node
 * serving an old value) and is ignored. Persist it to keep the guarantee across restarts.
 */
export interface IssuedAtStore {
	get(contact: string): number | undefined;
	set(contact: string, issuedAt: number): void;
}

export class MemoryIssuedAtStore implements IssuedAtStore {
	readonly #seen = new Map<string, number>();
	get(contact: string): number | undefined {
		return this.#seen.get(contact);
	}

	set(contact: string, issuedAt: number): void {
		this.#seen.set(contact, issuedAt);
	}
}

export type ContactAddress = {
	contact: string;
	onion: string;
	port: number;
	/** The day of the slot the record came from. */
	day: number;
	issuedAt: number;
	expiresAt: number;
};

export type SlotReading =
	| {status: 'empty'}
	| {status: 'rejected'; reason: RejectReason}
	| {status: 'valid'; address: ContactAddress};

export type RegistryReaderOptions = {
	identity: Identity;
	registry: Registry;
	clock?: Clock;
	store?: IssuedAtStore;
	/** How far a publisher's clock may run ahead of ours. Default 15 min. */
	maxClockSkewMs?: number;
	/** Longest validity a record may claim after its day starts. Default 2 days. */
	maxLifetimeMs?: number;
	/**
	 * For how long after midnight yesterday's slot is read when today's holds no valid record.
	 * Default 6 h: twice the publisher's default record lifetime; later yesterday's record has
	 * expired. Only then, and one after the other: two slots read together would show DHT nodes
	 * which two targets belong together.
	 */
	yesterdayWindowMs?: number;
};

export class RegistryReader {
	readonly #identity: Identity;
	readonly #registry: Registry;
	readonly #clock: Clock;
	readonly #store: IssuedAtStore;
	readonly #skewMs: number;
	readonly #maxLifetimeMs: number;
	readonly #yesterdayWindowMs: number;
	readonly #pairSecrets = new Map<string, Uint8Array>();
	readonly #counters = Object.fromEntries(rejectReasons.map(reason => [reason, 0])) as Record<RejectReason, number>;

	constructor(options: RegistryReaderOptions) {
		this.#identity = options.identity;
		this.#registry = options.registry;
		this.#clock = options.clock ?? systemClock;
		this.#store = options.store ?? new MemoryIssuedAtStore();
		this.#skewMs = options.maxClockSkewMs ?? 15 * 60_000;
		this.#maxLifetimeMs = options.maxLifetimeMs ?? 2 * dayMs;
		this.#yesterdayWindowMs = options.yesterdayWindowMs ?? 6 * 3_600_000;
	}

	/** Rejected values by reason since this reader was made. */
	counters(): Readonly<Record<RejectReason, number>> {
		return {...this.#counters};
	}

	/** The contact's valid address from today's (or, failing that early in the day, yesterday's) slot, or undefined. */
	async lookupContact(contact: Certificate): Promise<ContactAddress | undefined> {
		const now = this.#clock.now();
		const today = utcDay(now);
		let reading = await this.readSlot(contact, today);
		if (reading.status !== 'valid' && now - dayStart(today) < this.#yesterdayWindowMs) {
			reading = await this.readSlot(contact, today - 1);
		}

		if (reading.status !== 'valid') {
			return undefined;
		}

		const {address} = reading;
		const seen = this.#store.get(contact.fingerprint);
		if (seen !== undefined && address.issuedAt < seen) {
			this.#counters.stale++;
			return undefined;
		}

		this.#store.set(contact.fingerprint, address.issuedAt);
		return address;
	}

	/** Reads and checks one slot. Counts a rejection; never throws for what the registry returns. */
	async readSlot(contact: Certificate, slotDay: number): Promise<SlotReading> {
		const keyPair = slotKeyPair({pairSecret: this.#pairSecret(contact), publisher: contact.fingerprint, reader: this.#identity.fingerprint, day: slotDay});
		let found: Awaited<ReturnType<Registry['lookup']>>;
		try {
			found = await this.#registry.lookup(keyPair.publicKey);
		} catch {
			// A registry that breaks its promise never to reject still must not reach our caller.
			found = undefined;
		}

		if (!found) {
			return {status: 'empty'};
		}

		let reading: SlotReading;
		try {
			reading = await this.#check(found.value, keyPair, contact, slotDay);
		} catch {
			reading = {status: 'rejected', reason: 'malformed'};
		}

		if (reading.status === 'rejected') {
			this.#counters[reading.reason]++;
		}

		return reading;
	}

	async #check(value: Uint8Array, slot: SlotKeyPair, contact: Certificate, slotDay: number): Promise<SlotReading> {
		const reject = (reason: RejectReason): SlotReading => ({status: 'rejected', reason});
		const unwrapped = unwrapValue({slot, value});
		if (!unwrapped.ok) {
			return reject(unwrapped.reason);
		}

		const now = this.#clock.now();
		// A little ahead, so a signature made by a clock that runs fast is not "from the future".
		const opened = await open({sealed: unwrapped.message, recipient: this.#identity, senders: [contact], date: new Date(now + this.#skewMs), maxBytes: maxSealedBytes});
		if (!opened.ok) {
			return reject(opened.reason);
		}

		if (opened.signer.fingerprint !== contact.fingerprint) {
			return reject('unknown-signer');
		}

		const record = decodeRecord(opened.plaintext);
		if (!record || record.expiresAt <= record.issuedAt || record.expiresAt - Math.max(record.issuedAt, dayStart(record.day)) > this.#maxLifetimeMs) {
			return reject('bad-record');
		}

		if (record.reader !== this.#identity.fingerprint) {
			return reject('wrong-reader');
		}

		// Publishers write a day's slot from the evening before at the earliest.
		if (record.day !== slotDay || record.issuedAt < dayStart(slotDay) - dayMs) {
			return reject('wrong-day');
		}

		if (record.issuedAt > now + this.#skewMs) {
			return reject('from-the-future');
		}

		if (record.expiresAt <= now) {
			return reject('expired');
		}

		const {onion, port, issuedAt, expiresAt} = record;
		return {status: 'valid', address: {contact: contact.fingerprint, onion, port, day: slotDay, issuedAt, expiresAt}};
	}

	#pairSecret(contact: Certificate): Uint8Array {
		let secret = this.#pairSecrets.get(contact.fingerprint);
		if (!secret) {
			secret = pairSecret({own: this.#identity, contact});
			this.#pairSecrets.set(contact.fingerprint, secret);
		}

		return secret;
	}
}
