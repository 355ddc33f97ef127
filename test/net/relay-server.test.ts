// The relay server (`umbra relay`'s HTTP side) backed by real bittorrent-dht nodes on a loopback
// swarm: umbra's relay client stores and finds items through it, a direct DHT read finds them
// too, and each kind of bad input gets its status code. Then 10,000 random requests against an
// in-memory store: no crash, every answer a known status, memory bounded.
import assert from 'node:assert/strict';
import {randomBytes, randomInt} from 'node:crypto';
import {request as httpRequest, Agent} from 'node:http';
import {getHeapStatistics} from 'node:v8';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {dhtRelayBackend} from '../../source/net/relay-dht-backend.js';
import {encodePayload, relayPath, signItem, type SignedItem} from '../../source/net/relay-payload.js';
import {RelayRegistry} from '../../source/net/relay-registry.js';
import {RelayService, type RelayBackend} from '../../source/net/relay-server.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startSocksForwarder, type SocksForwarder} from '../helpers/socks-forwarder.js';

const keyPair = () => {
	const secretSeed = new Uint8Array(randomBytes(32));
	return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
};

type Answer = {status: number; body: Buffer; headers: Record<string, unknown>};

async function send(port: number, method: string, path: string, body?: Uint8Array, agent?: Agent, headers: Record<string, string> = {}): Promise<Answer> {
	return new Promise((resolve, reject) => {
		const request = httpRequest({host: '127.0.0.1', port, method, path, headers, ...(agent ? {agent} : {})}, response => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => {
				resolve({status: response.statusCode!, body: Buffer.concat(chunks), headers: response.headers});
			});
		});
		request.on('error', reject);
		request.end(body);
	});
}

function memoryBackend(): RelayBackend & {items: Map<string, Omit<SignedItem, 'publicKey'>>} {
	const items = new Map<string, Omit<SignedItem, 'publicKey'>>();
	return {
		items,
		async put(item) {
			items.set(Buffer.from(item.publicKey).toString('hex'), item);
			return 1;
		},
		async get(publicKey) {
			return items.get(Buffer.from(publicKey).toString('hex'));
		},
	};
}

describe('RelayService on a loopback DHT', () => {
	let swarm: DhtSwarm;
	let dht: DhtRegistry;
	let reader: DhtRegistry;
	let relay: RelayService;
	let socks: SocksForwarder;
	let port: number;

	before(async () => {
		swarm = await startDhtSwarm({size: 16});
		dht = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		reader = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		await Promise.all([dht.start(), reader.start()]);
		relay = new RelayService({backend: dhtRelayBackend(dht)});
		({port} = await relay.listen('127.0.0.1', 0));
		socks = await startSocksForwarder();
	});
	after(async () => {
		await relay.close();
		await socks.close();
		await Promise.all([dht.close(), reader.close()]);
		await swarm.stop();
	});

	it('stores through the relay client onto the DHT (a direct read finds it) and finds what others put on the DHT', async () => {
		const client = new RelayRegistry({relays: [`http://127.0.0.1:${port}`], socks: () => socks.endpoint, requestTimeoutMs: 30_000});
		const owner = keyPair();
		const value = new Uint8Array(randomBytes(900));
		const {stored} = await client.publish({keyPair: owner, value, seq: 1_700_000_000_000_001});
		assert.ok(stored >= 1);
		assert.deepEqual(await reader.lookup(owner.publicKey), {value, seq: 1_700_000_000_000_001});
		const other = keyPair();
		await reader.publish({keyPair: other, value: new Uint8Array([4, 5, 6]), seq: 77});
		assert.deepEqual(await client.lookup(other.publicKey), {value: new Uint8Array([4, 5, 6]), seq: 77});
		assert.equal(await client.lookup(keyPair().publicKey), undefined);
		assert.equal(relay.counts.stored, 1);
	});

	it('answers bad input with the status the spec names', async () => {
		const owner = keyPair();
		const path = relayPath(owner.publicKey);
		const item = (seq: number, value = new Uint8Array([1, 2, 3])) => encodePayload({signature: signItem(owner.secretSeed, seq, value), seq, value});
		assert.equal((await send(port, 'PUT', '/not-a-key', item(5))).status, 400, 'bad key in the path');
		assert.equal((await send(port, 'GET', `${path.slice(0, -1)}0`)).status, 400, 'not z-base32');
		assert.equal((await send(port, 'GET', `${path}/x`)).status, 400);
		const forged = item(5);
		forged[3]! ^= 1;
		assert.equal((await send(port, 'PUT', path, forged)).status, 400, 'wrong signature');
		assert.equal((await send(port, 'PUT', path, randomBytes(40))).status, 400, 'shorter than sig and seq');
		assert.equal((await send(port, 'PUT', path, item(5, new Uint8Array(1001)))).status, 413, 'oversized body');
		assert.equal((await send(port, 'PUT', path, randomBytes(64 * 1024))).status, 413, 'far oversized body');
		const put = await send(port, 'PUT', path, item(5));
		assert.equal(put.status, 204);
		assert.ok(Number(put.headers['pkarr-dht-stored-nodes']) >= 1);
		assert.equal((await send(port, 'PUT', path, item(4))).status, 409, 'older seq');
		assert.equal((await send(port, 'PUT', path, item(5, new Uint8Array([9])))).status, 409, 'same seq, other value');
		assert.equal((await send(port, 'PUT', path, item(5))).status, 204, 'the same item again');
		const got = await send(port, 'GET', path);
		assert.equal(got.status, 200);
		assert.deepEqual(got.body, item(5));
		assert.equal((await send(port, 'DELETE', path)).status, 405);
		assert.equal((await send(port, 'OPTIONS', path)).headers['access-control-allow-methods'], 'GET, PUT, OPTIONS');
	});
});

describe('RelayService under hostile load', () => {
	it('a source over its rate gets 429 with Retry-After; others are not affected', async () => {
		let clock = 0;
		const relay = new RelayService({backend: memoryBackend(), limits: {requestsPerMinute: 5}, now: () => clock});
		let source = 'a';
		const {port} = await relay.listen('127.0.0.1', 0, () => source);
		try {
			const path = relayPath(keyPair().publicKey);
			const statuses = [];
			for (let index = 0; index < 7; index++) {
				statuses.push((await send(port, 'GET', path)).status);
			}

			assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429]);
			source = 'b';
			assert.equal((await send(port, 'GET', path)).status, 404);
			source = 'a';
			clock += 12_000;
			assert.equal((await send(port, 'GET', path)).status, 404, 'refilled after a fifth of a minute');
		} finally {
			await relay.close();
		}
	});

	it('survives 10,000 random requests with known statuses and bounded memory', async () => {
		const backend = memoryBackend();
		const relay = new RelayService({backend, limits: {requestsPerMinute: 1_000_000, cacheEntries: 500}});
		const {port} = await relay.listen('127.0.0.1', 0);
		// A connection per request: an early 413 closes its connection, which a keep-alive agent may race to reuse.
		const agent = new Agent({keepAlive: false, maxSockets: 16});
		const owners = Array.from({length: 50}, keyPair);
		const strangers = Array.from({length: 50}, () => relayPath(keyPair().publicKey));
		// Signed up front: the run measures the relay, not the test's signing.
		const signed = owners.flatMap(owner => Array.from({length: 4}, () => {
			const seq = randomInt(1000);
			const value = new Uint8Array(randomBytes(randomInt(1, 1001)));
			return {owner, payload: encodePayload({signature: signItem(owner.secretSeed, seq, value), seq, value})};
		}));
		const heapBefore = getHeapStatistics().used_heap_size;
		const statuses = new Map<number, number>();
		try {
			const one = async () => {
				const {owner, payload: valid} = signed[randomInt(signed.length)]!;
				const paths = [relayPath(owner.publicKey), strangers[randomInt(strangers.length)]!, `/${randomBytes(randomInt(0, 60)).toString('base64url')}`, '/', `${relayPath(owner.publicKey)}?x=1`, `/%00${'a'.repeat(51)}`];
				const bodies = [valid, randomBytes(randomInt(0, 2000)), valid.subarray(0, randomInt(valid.length)), Buffer.concat([valid, randomBytes(randomInt(1, 200))])];
				const method = ['GET', 'PUT', 'PUT', 'POST', 'OPTIONS', 'HEAD'][randomInt(6)]!;
				const path = paths[randomInt(paths.length)]!;
				const body = method === 'GET' || method === 'HEAD' ? undefined : bodies[randomInt(bodies.length)];
				const answer = await send(port, method, path, body, agent).catch((error: Error) => {
					throw new Error(`${method} ${path} with ${body?.length} bytes: ${error.message}`);
				});
				statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
			};

			for (let round = 0; round < 10_000 / 50; round++) {
				await Promise.all(Array.from({length: 50}, one));
			}
		} finally {
			agent.destroy();
			await relay.close();
		}

		const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
		assert.equal(total, 10_000);
		assert.deepEqual([...statuses.keys()].filter(status => ![200, 204, 400, 404, 405, 409, 413, 428].includes(status)), [], `statuses: ${JSON.stringify([...statuses])}`);
		assert.ok((statuses.get(204) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, `a mix of outcomes: ${JSON.stringify([...statuses])}`);
		assert.equal(relay.counts.failed, 0);
		const grownMb = (getHeapStatistics().used_heap_size - heapBefore) / 1e6;
		assert.ok(grownMb < 64, `heap grew by ${grownMb.toFixed(1)} MB`);
	});
});
