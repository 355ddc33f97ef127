// Caps the handshakes that have not yet authenticated. Each costs an OpenPGP decryption and a
// buffer, and anyone who learns the onion address can open streams; past the cap the runner
// closes a new stream at once, before sending hs0 (so no nonce is spent on it). That reveals
// only that the service is busy, which a stranger who can reach it could time anyway.
export const defaultPreAuthCap = 16;

export class PreAuthLimit {
	private active = 0;

	constructor(readonly cap = defaultPreAuthCap) {}

	get inFlight(): number {
		return this.active;
	}

	/** Takes a slot for a new incoming stream; false means close it now. */
	tryAdmit(): boolean {
		if (this.active >= this.cap) {
			return false;
		}

		this.active += 1;
		return true;
	}

	/** Gives the slot back when that handshake ends, whichever way (call once per admit). */
	release(): void {
		this.active = Math.max(0, this.active - 1);
	}
}
