// `umbra relay`'s store: the DHT, through DhtRegistry's signed put and get, so the relay shares
// its socket guard, verification and timeouts with the direct registry.
import type {DhtRegistry} from './dht-registry.js';
import type {RelayBackend} from './relay-server.js';

export function dhtRelayBackend(dht: DhtRegistry): RelayBackend {
	return {
		async put(item) {
			return (await dht.publishSigned(item)).stored;
		},
		async get(publicKey) {
			return dht.lookupSigned(publicKey);
		},
	};
}
