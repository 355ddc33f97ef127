// Which registry an engine builds from its options: relays over Tor unless the direct DHT is
// chosen explicitly, or a DHT bootstrap is named without relays (private swarms, the tests).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {RelayRegistry} from '../../source/net/relay-registry.js';
import {defaultRegistryRelays} from '../../source/engine/profile/index.js';
import {chooseRegistry, chooseRegistryMode} from '../../source/engine/registry/choice.js';

const socks = () => ({host: '127.0.0.1', port: 9050});
const onion = `http://${'b'.repeat(56)}.onion`;

describe('chooseRegistry', () => {
	it('defaults to relays; --dht-bootstrap alone means direct; named relays or --registry win', () => {
		assert.equal(chooseRegistryMode({}), 'relay');
		assert.equal(chooseRegistryMode({dhtBootstrap: ['127.0.0.1:1']}), 'direct');
		assert.equal(chooseRegistryMode({dhtBootstrap: ['127.0.0.1:1'], registryRelays: [onion]}), 'relay');
		assert.equal(chooseRegistryMode({registry: 'direct'}), 'direct');
		assert.equal(chooseRegistryMode({registry: 'relay', dhtBootstrap: ['127.0.0.1:1']}), 'relay');
	});

	it('builds a relay registry on the setting\'s relays (the built-in list by default) and a DHT registry for direct', async () => {
		const relay = chooseRegistry({settingsRelays: defaultRegistryRelays, socks});
		assert.ok(relay.registry instanceof RelayRegistry);
		assert.deepEqual(relay.view(), {mode: 'relay', relays: defaultRegistryRelays.map(url => ({url, state: 'ok', failures: 0}))});
		const named = chooseRegistry({settingsRelays: defaultRegistryRelays, registryRelays: [onion], socks});
		assert.deepEqual(named.view(), {mode: 'relay', relays: [{url: onion, state: 'ok', failures: 0}]});
		const direct = chooseRegistry({settingsRelays: defaultRegistryRelays, dhtBootstrap: ['127.0.0.1:1'], socks});
		assert.ok(direct.registry instanceof DhtRegistry);
		assert.deepEqual(direct.view(), {mode: 'direct'});
		await Promise.all([relay.registry.close(), named.registry.close(), direct.registry.close()]);
	});
});
