// Interoperability with a relay umbra did not write: the npm pkarr package's relay server (a
// dev dependency), on the same loopback DHT swarm as `umbra relay`. An item put through either
// relay is found through the other and by a direct DHT read. The values are DNS answer packets
// (pkarr's relay refuses anything else), made with the dns-packet encoder pkarr re-exports.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {dhtRelayBackend} from '../../source/net/relay-dht-backend.js';
import {RelayRegistry} from '../../source/net/relay-registry.js';
import {RelayService} from '../../source/net/relay-server.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startSocksForwarder, type SocksForwarder} from '../helpers/socks-forwarder.js';

type PkarrRelay = {listen(port?: number): Promise<PkarrRelay>; port: number; close(): Promise<unknown>};
type PkarrModules = {
	Relay: new (options: {dht: unknown}) => PkarrRelay;
	Dht: new (options: {bootstrap: string[]; storage: {loadRoutingTable(): void; saveRoutingTable(): void}}) => {destroy(): unknown};
	encodeDns: (packet: unknown) => Buffer;
};

/** pkarr's modules, named by variables: typecheck and lint do not depend on the dev dependency being installed; the test fails without it. */
async function loadPkarr(): Promise<PkarrModules> {
	const relayModule = 'pkarr/lib/relay.js';
	const dhtModule = 'pkarr/lib/dht.js';
	const indexModule = 'pkarr';
	const [relay, dht, index] = await Promise.all([import(relayModule), import(dhtModule), import(indexModule)]) as [{default: PkarrModules['Relay']}, {default: PkarrModules['Dht']}, {dns: {encode: PkarrModules['encodeDns']}}];
	return {Relay: relay.default, Dht: dht.default, encodeDns: packet => index.dns.encode(packet)};
}

const keyPair = () => {
	const secretSeed = new Uint8Array(randomBytes(32));
	return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
};

describe('umbra and the pkarr package\'s relay on one DHT', () => {
	let pkarr: PkarrModules;
	let swarm: DhtSwarm;
	let socks: SocksForwarder;
	let theirRelay: PkarrRelay;
	let ourDht: DhtRegistry;
	let reader: DhtRegistry;
	let ourRelay: RelayService;
	let ours: RelayRegistry;
	let theirs: RelayRegistry;
	const dnsValue = () => new Uint8Array(pkarr.encodeDns({type: 'response', flags: 1024, answers: [{type: 'TXT', name: '_umbra', ttl: 300, data: [randomBytes(100).toString('base64')]}]}));

	before(async () => {
		pkarr = await loadPkarr();
		swarm = await startDhtSwarm({size: 16});
		socks = await startSocksForwarder();
		// No routing table saved under ~/.config/pkarr.
		const dht = new pkarr.Dht({bootstrap: swarm.bootstrap, storage: {loadRoutingTable() {}, saveRoutingTable() {}}});
		theirRelay = await new pkarr.Relay({dht}).listen(0);
		ourDht = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		reader = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		await Promise.all([ourDht.start(), reader.start()]);
		ourRelay = new RelayService({backend: dhtRelayBackend(ourDht)});
		const {port} = await ourRelay.listen('127.0.0.1', 0);
		ours = new RelayRegistry({relays: [`http://127.0.0.1:${port}`], socks: () => socks.endpoint, requestTimeoutMs: 30_000});
		theirs = new RelayRegistry({relays: [`http://127.0.0.1:${theirRelay.port}`], socks: () => socks.endpoint, requestTimeoutMs: 30_000});
	});
	after(async () => {
		await theirRelay.close();
		await ourRelay.close();
		await Promise.all([ourDht.close(), reader.close()]);
		await socks.close();
		await swarm.stop();
	});

	it('what goes in through the pkarr relay comes out of umbra relay and the DHT', async () => {
		const owner = keyPair();
		const value = dnsValue();
		const seq = Date.now() * 1000;
		assert.deepEqual(await theirs.publish({keyPair: owner, value, seq}), {stored: 1});
		assert.deepEqual(await ours.lookup(owner.publicKey), {value, seq});
		assert.deepEqual(await reader.lookup(owner.publicKey), {value, seq});
	});

	it('what goes in through umbra relay comes out of the pkarr relay', async () => {
		const owner = keyPair();
		const value = dnsValue();
		const seq = Date.now() * 1000;
		assert.deepEqual(await ours.publish({keyPair: owner, value, seq}), {stored: 1});
		assert.deepEqual(await theirs.lookup(owner.publicKey), {value, seq});
	});
});
