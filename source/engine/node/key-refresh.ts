// The opt-in refresh of contacts' certificates from the keyservers (setting keyRefreshHours).
// In every period each contact's key is looked up once, at a random moment of its own, so the
// lookups do not form a train a keyserver could link; each goes through Tor on a circuit of its
// own (dialThroughTor gives every dial fresh SOCKS isolation credentials), so a keyserver sees
// unrelated requests from exit relays, not one client asking for one person's contacts.
import {randomBytes} from 'node:crypto';
import type * as openpgp from 'openpgp';
import {CertificateRejectedError, parseKeyQuery} from '../../keys/index.js';
import {fetchCertificate, type KeyserverDial} from '../../keys/keyserver.js';
import {systemScheduler, type Scheduler} from '../clock.js';

/**
 * Every copy of the contact's key the keyservers have, also one umbra could not add as a new
 * contact (revoked, expired): a stored copy still learns from it.
 */
export async function fetchKeyCopies(options: {fingerprint: string; keyservers: readonly string[]; dial: KeyserverDial; signal?: AbortSignal}): Promise<openpgp.PublicKey[]> {
	try {
		const {certificate} = await fetchCertificate({
			query: parseKeyQuery(options.fingerprint),
			keyservers: options.keyservers,
			dial: options.dial,
			...(options.signal ? {signal: options.signal} : {}),
		});
		return [certificate.key];
	} catch (error) {
		if (error instanceof CertificateRejectedError && error.key) {
			return [error.key];
		}

		const attempts = (error as {attempts?: ReadonlyArray<{error?: Error}>}).attempts ?? [];
		const keys = attempts.flatMap(attempt => (attempt.error instanceof CertificateRejectedError && attempt.error.key ? [attempt.error.key] : []));
		if (keys.length > 0) {
			return keys;
		}

		throw error;
	}
}

export type KeyRefreshOptions = {
	periodMs: number;
	/** The contacts to refresh, read at the start of each period. */
	contacts: () => string[];
	/** Looks one contact's key up and merges it; a failure is logged and waits for the next period. */
	refresh: (fingerprint: string) => Promise<void>;
	scheduler: Scheduler;
	/** A uniform fraction in [0, 1); default from node:crypto. */
	random?: () => number;
	log: (line: string) => void;
};

const cryptoFraction = () => randomBytes(4).readUInt32BE() / 2 ** 32;

export class KeyRefresh {
	readonly #options: KeyRefreshOptions;
	readonly #timers = new Set<unknown>();
	#stopped = false;

	constructor(options: KeyRefreshOptions) {
		this.#options = options;
	}

	start(): void {
		this.#period();
	}

	stop(): void {
		this.#stopped = true;
		for (const timer of this.#timers) {
			this.#options.scheduler.clearTimeout(timer);
		}

		this.#timers.clear();
	}

	#period(): void {
		if (this.#stopped) {
			return;
		}

		const {periodMs} = this.#options;
		const random = this.#options.random ?? cryptoFraction;
		for (const fingerprint of this.#options.contacts()) {
			this.#after(Math.floor(random() * periodMs), () => {
				void this.#options.refresh(fingerprint).catch((error: unknown) => {
					this.#options.log(`a key refresh failed: ${error instanceof Error ? error.message : String(error)}`);
				});
			});
		}

		this.#after(periodMs, () => {
			this.#period();
		});
	}

	#after(delayMs: number, run: () => void): void {
		const timer = this.#options.scheduler.setTimeout(() => {
			this.#timers.delete(timer);
			if (!this.#stopped) {
				run();
			}
		}, delayMs);
		this.#timers.add(timer);
	}
}

/** The refresh the setting asks for (keyRefreshHours; 0: none), started; or undefined. */
export function startKeyRefresh(options: {hours: number; keys: {fingerprints(): string[]}; refresh: (fingerprint: string) => Promise<unknown>; log?: (line: string) => void}): KeyRefresh | undefined {
	if (options.hours <= 0) {
		return undefined;
	}

	const refresh = new KeyRefresh({
		periodMs: options.hours * 60 * 60 * 1000,
		contacts: () => options.keys.fingerprints(),
		refresh: async fingerprint => {
			await options.refresh(fingerprint);
		},
		scheduler: systemScheduler,
		log: options.log ?? (() => undefined),
	});
	refresh.start();
	return refresh;
}
