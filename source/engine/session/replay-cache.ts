// The listener's memory of dialer nonces it has accepted, so the same hs1 cannot open a second
// session. It is defence in depth: hs1 also carries the listener's fresh nonce of this very
// connection, so a recording replayed on a new connection already fails that check. Bounded in
// time (an entry outlives the 10-minute clock window on either side, after which the hs1's own
// timestamp refuses it) and in size (the oldest entry goes first; only authenticated contacts
// can add entries, so filling it takes a contact's key).
export type ReplayCacheOptions = {
	/** Entries kept at most; default 4096. */
	maxEntries?: number;
	/** How long an entry is kept, in ms; default 20 minutes (twice the clock window). */
	ttlMs?: number;
};

export class ReplayCache {
	readonly maxEntries: number;
	readonly ttlMs: number;
	// Map iterates in insertion order, and entries are inserted in time order: the oldest is first.
	private readonly entries = new Map<string, number>();

	constructor(options: ReplayCacheOptions = {}) {
		this.maxEntries = options.maxEntries ?? 4096;
		this.ttlMs = options.ttlMs ?? 20 * 60 * 1000;
	}

	get size(): number {
		return this.entries.size;
	}

	/** True, and remembered, if `key` was not seen within the TTL; false for a replay. */
	remember(key: string, now: number): boolean {
		this.expire(now);
		if (this.entries.has(key)) {
			return false;
		}

		if (this.entries.size >= this.maxEntries) {
			const oldest = this.entries.keys().next();
			if (!oldest.done) {
				this.entries.delete(oldest.value);
			}
		}

		this.entries.set(key, now + this.ttlMs);
		return true;
	}

	private expire(now: number): void {
		for (const [key, expiry] of this.entries) {
			if (expiry > now) {
				break;
			}

			this.entries.delete(key);
		}
	}
}
