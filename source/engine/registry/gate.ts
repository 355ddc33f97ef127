// The engine gets its registry before the DHT has finished bootstrapping, so the bootstrap runs
// while tor uploads the onion descriptor; this wrapper holds publishes and lookups until then.
import type {Registry} from '../../net/registry.js';

/** `registry` with publishes and lookups held until `started` settles (a lookup finds nothing if it failed). */
export function afterStart(registry: Registry, started: Promise<void>): Registry {
	return {
		maxValueBytes: registry.maxValueBytes,
		start: async () => started,
		async publish(item) {
			await started;
			return registry.publish(item);
		},
		async lookup(publicKey) {
			return started.then(async () => registry.lookup(publicKey), () => undefined);
		},
		nodeCount: () => registry.nodeCount?.() ?? 0,
		close: async () => registry.close(),
	};
}
