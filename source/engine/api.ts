// The one surface the TUI, the bot and the one-shot commands use: commands
// returning promises, read-only views for drawing, and subscribe() for the event union. The
// real Engine implements it; tests of the screens and the bot use fakes of it.
import type {Certificate, KeyState} from '../keys/index.js';
import type {CertificateUpdate} from './node/index.js';
import type {RegistryView} from './registry/index.js';
import type {EngineListener, LifecycleState} from './events.js';
import type {PresenceState} from './session/index.js';
import type {Message} from './store/index.js';

/** What the user shows: a presence to contacts, or invisible (offline to everyone). */
export type OwnPresence = PresenceState | 'invisible';
export const ownPresenceStates: readonly OwnPresence[] = ['online', 'away', 'busy', 'invisible'];

/** A contact's presence as seen here: offline when there is no session. */
export type ContactPresence = PresenceState | 'offline';

export type ContactView = {
	fingerprint: string;
	/** The name the user gave; unique. Already stripped of control characters. */
	name: string;
	keyId: string;
	/** User IDs of the certificate, stripped of control characters; may be empty. */
	userIds: string[];
	/** The user appears offline to this contact (/hide). */
	hidden: boolean;
	/** Only a valid key is talked to; an expired one comes back when a refreshed copy extends it. */
	keyState: KeyState;
	presence: ContactPresence;
	/** The contact's status text, stripped of control characters. */
	status: string;
	unread: number;
	typing: boolean;
};

export type EngineStatus = {
	lifecycle: LifecycleState | undefined;
	tor: {progress: number; summary: string; connected: boolean};
	/** The onion service is up (its address is never shown outside debug output). */
	onionUp: boolean;
	/** When the onion address last changed, ms since the epoch. */
	onionSince: number | undefined;
	/** DHT nodes in the routing table (0 for a relay registry). */
	dhtNodes: number;
	/** How the registry is reached: relays over Tor (each relay's health) or the DHT directly. */
	registry?: RegistryView;
	/** When a record was last published for any contact, ms since the epoch. */
	lastPublishedAt: number | undefined;
	presence: {state: OwnPresence; status: string};
};

export type OwnIdentityView = {fingerprint: string; keyId: string; userId: string};

export interface EngineApi {
	readonly self: OwnIdentityView;
	start(): Promise<void>;
	/** Says bye to every contact, stops the onion service and the registry work. */
	stop(): Promise<void>;
	subscribe(listener: EngineListener): () => void;

	status(): EngineStatus;
	contacts(): ContactView[];
	/** Newest `limit` messages with a position below `before` (Message.position; default: the newest), oldest first. */
	history(contact: string, options: {before?: number; limit: number}): Message[];
	search(text: string, options?: {contact?: string; limit?: number}): Message[];

	/** Stored as queued before it resolves; delivered later (message.state events). */
	send(contact: string, text: string): Promise<Message>;
	setPresence(state: OwnPresence, status?: string): Promise<void>;
	/** Appear offline to one contact, exactly as an exit would look to it (rotates the onion; nothing more is published for it). */
	hide(contact: string): Promise<void>;
	show(contact: string): Promise<void>;
	addContact(certificate: Certificate, name: string): Promise<ContactView>;
	/** Removes the contact and its history; rotates the onion. */
	removeContact(contact: string): Promise<void>;
	renameContact(contact: string, name: string): Promise<void>;
	markRead(contact: string): Promise<void>;
	/** Tells a connected contact the user is typing (or stopped). */
	setTyping(contact: string, typing: boolean): void;
	/**
	 * Merges the contacts' keys in a key block into their stored copies (new expiry, subkeys,
	 * revocations) and follows at once; throws when it holds no contact's key.
	 */
	mergeCertificates(input: string | Uint8Array): Promise<CertificateUpdate[]>;
	/** Fetches the contact's key from the keyservers over Tor and merges it. */
	refreshCertificate(contact: string): Promise<CertificateUpdate>;
	/** Looks a key ID or fingerprint up on the keyservers over Tor; does not add it. */
	fetchCertificate(query: string): Promise<Certificate>;
}
