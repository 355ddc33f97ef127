// Who may see the user (docs/design.md, "Presence" and "Identity and contacts"). Appearing offline to
// a contact (hide) must look to it exactly like the user exiting: its session gets the same bye,
// dialing and reading its slots stop, nothing more is published for it (its slots keep the last
// record until it expires, as after an exit), and the onion rotates, so the address it knew stops
// answering new streams at once and is gone within seconds; its handshakes, even one under way,
// are refused like a stranger's (the listener asks visible() when the handshake completes).
// Invisible is that for everyone. Removing a contact is a hide that also forgets it. The
// publisher knows every contact, so a contact shown again is published for.
import type {Certificate} from '../../keys/index.js';
import type {PeerTable} from './peers.js';
import type {Publisher} from '../registry/index.js';

export type VisibilityOptions = {
	peers: PeerTable;
	publisher: () => Publisher | undefined;
	/** A new onion address now (a no-op before start and while tor is away). */
	rotate: () => Promise<void>;
	/** Invisible from the start: nobody is published for or dialed, not even for a moment. */
	invisible?: boolean;
};

export class Visibility {
	readonly #options: VisibilityOptions;
	#invisible: boolean;

	constructor(options: VisibilityOptions) {
		this.#options = options;
		this.#invisible = options.invisible ?? false;
	}

	get invisible(): boolean {
		return this.#invisible;
	}

	/** Contacts that may see the user: not hidden, and the user is not invisible. */
	visible(): Certificate[] {
		return this.#invisible ? [] : this.#options.peers.unhidden();
	}

	/** Every contact, for a new publisher; call prepare() on it before it starts. */
	everyone(): Certificate[] {
		return this.#options.peers.values().map(peer => peer.certificate);
	}

	/** A new publisher stays silent for those who may not see the user. */
	prepare(publisher: Publisher): void {
		for (const peer of this.#options.peers.values()) {
			if (peer.hidden || this.#invisible) {
				publisher.hide(peer.certificate.fingerprint);
			}
		}
	}

	/** A contact added while running: published for and looked up at once (unless hidden). */
	add(certificate: Certificate, hidden: boolean): void {
		if (!this.#options.peers.add(certificate, hidden)) {
			return;
		}

		const publisher = this.#options.publisher();
		publisher?.addContact(certificate);
		if (hidden || this.#invisible) {
			publisher?.hide(certificate.fingerprint);
		} else {
			this.#options.peers.lookup(certificate.fingerprint, 0);
		}
	}

	/** A contact's refreshed certificate (a new expiry, a new subkey): used from now on. */
	replace(certificate: Certificate): void {
		if (this.#options.peers.setCertificate(certificate)) {
			this.#options.publisher()?.replaceContact(certificate);
		}
	}

	/** Forgets a contact: bye, nothing more published for it, and a new onion address it is not told. */
	async remove(fingerprint: string): Promise<void> {
		if (!this.#options.peers.get(fingerprint)) {
			return;
		}

		this.#options.peers.delete(fingerprint);
		this.#options.publisher()?.removeContact(fingerprint);
		await this.#options.rotate();
	}

	async setHidden(fingerprint: string, hidden: boolean): Promise<void> {
		if (!this.#options.peers.setHidden(fingerprint, hidden)) {
			return;
		}

		if (hidden) {
			this.#options.peers.cutOff(fingerprint);
			this.#options.publisher()?.hide(fingerprint);
			await this.#options.rotate();
		} else if (!this.#invisible) {
			this.#options.publisher()?.unhide(fingerprint);
			this.#options.peers.lookup(fingerprint, 0);
		}
	}

	/** Invisible: hidden from every contact at once; visible again: shown to those not hidden. */
	async setInvisible(invisible: boolean): Promise<void> {
		if (this.#invisible === invisible) {
			return;
		}

		this.#invisible = invisible;
		const peers = this.#options.peers.values().filter(peer => !peer.hidden);
		const publisher = this.#options.publisher();
		if (invisible) {
			for (const peer of peers) {
				this.#options.peers.cutOff(peer.certificate.fingerprint);
				publisher?.hide(peer.certificate.fingerprint);
			}

			await this.#options.rotate();
		} else {
			for (const peer of peers) {
				publisher?.unhide(peer.certificate.fingerprint);
				this.#options.peers.lookup(peer.certificate.fingerprint, 0);
			}
		}
	}
}
