// Where users leave their current address for their contacts: signed mutable items under
// keys only a pair of users can derive (docs/design.md, "Registry"). The engine sees only this
// interface, so the direct mainline DHT (dht-registry.ts) can later be joined by a registry
// reached over Tor (a pkarr-style relay) without touching the engine.

/** An Ed25519 key pair that owns one item. The seed never leaves the process. */
export type ItemKeyPair = {
	/** 32-byte Ed25519 public key: names the item. */
	publicKey: Uint8Array;
	/** 32-byte Ed25519 seed: signs the item. */
	secretSeed: Uint8Array;
};

export type RegistryItem = {
	keyPair: ItemKeyPair;
	/** Opaque bytes, at most `maxValueBytes`. */
	value: Uint8Array;
	/** Version of the item: a store keeps the highest; a lower or equal one is refused. Safe integer >= 0. */
	seq: number;
};

export type PublishResult = {
	/** How many storing nodes (or relays) accepted the item; at least 1, or publish rejects. */
	stored: number;
};

/** The newest version the registry could find, with its signature already checked. */
export type LookupResult = {
	value: Uint8Array;
	seq: number;
};

export interface Registry {
	/** The largest value `publish` accepts, in bytes. */
	readonly maxValueBytes: number;
	/** Joins the network (binds sockets, bootstraps). Nothing happens before this. */
	start(): Promise<void>;
	/**
	 * Stores the item, signed with its key pair. Rejects with RegistryError when nothing stored
	 * it (no nodes, all refused, value too large): the caller counts it and tries again later.
	 */
	publish(item: RegistryItem): Promise<PublishResult>;
	/**
	 * The newest correctly signed value of the item named by `publicKey`, or undefined when
	 * none was found. Never rejects: whatever the network returns or fails with is "not found".
	 */
	lookup(publicKey: Uint8Array): Promise<LookupResult | undefined>;
	/** Peers currently known (routing table size), for status displays. */
	nodeCount?(): number;
	close(): Promise<void>;
}

export class RegistryError extends Error {
	override name = 'RegistryError';
}
