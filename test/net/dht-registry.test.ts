import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {createSocket, type Socket} from 'node:dgram';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {bep44SignedBytes, createBep44Verify, DhtRegistry, mainlineBootstrapNodes, maxValueBytes} from '../../source/net/dht-registry.js';
import {decodeStrict, isSafeKrpcMessage} from '../../source/net/krpc-guard.js';
import {RegistryError} from '../../source/net/registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {pollUntil} from '../helpers/waiters.js';

const keyPair = () => {
	const secretSeed = new Uint8Array(randomBytes(32));
	return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
};

/** Minimal bencode writer for hand-made hostile datagrams. */
function bencode(value: unknown): Buffer {
	if (typeof value === 'number') {
		return Buffer.from(`i${value}e`);
	}

	if (typeof value === 'string' || value instanceof Uint8Array) {
		const bytes = Buffer.from(value as string);
		return Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]);
	}

	if (Array.isArray(value)) {
		return Buffer.concat([Buffer.from('l'), ...value.map(bencode), Buffer.from('e')]);
	}

	const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
	return Buffer.concat([Buffer.from('d'), ...entries.flatMap(([key, item]) => [bencode(key), bencode(item)]), Buffer.from('e')]);
}

describe('DhtRegistry', () => {
	let swarm: DhtSwarm;
	const open: DhtRegistry[] = [];
	const sockets: Socket[] = [];
	const joined = async (options: {bootstrap?: string[]} = {}) => {
		const registry = new DhtRegistry({bootstrap: options.bootstrap ?? swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
		open.push(registry);
		await registry.start();
		return registry;
	};

	before(async () => {
		swarm = await startDhtSwarm({size: 24});
	});

	after(async () => {
		for (const socket of sockets) {
			socket.close();
		}

		await Promise.all(open.map(registry => registry.close()));
		await swarm?.stop();
	});

	it('names the public routers only as the production default', () => {
		assert.ok(mainlineBootstrapNodes.includes('router.bittorrent.com:6881'));
		assert.equal(new DhtRegistry().nodeCount(), 0, 'the constructor starts nothing');
	});

	it('publishes and finds an item; a higher seq replaces it; a lower one is refused', async () => {
		const [writer, reader] = await Promise.all([joined(), joined()]);
		assert.ok(writer.nodeCount() > 5);
		const pair = keyPair();
		const first = new Uint8Array(randomBytes(maxValueBytes));
		assert.ok((await writer.publish({keyPair: pair, value: first, seq: 10})).stored > 0);
		assert.deepEqual(await reader.lookup(pair.publicKey), {value: first, seq: 10});
		const second = new Uint8Array(randomBytes(100));
		await writer.publish({keyPair: pair, value: second, seq: 11});
		assert.deepEqual(await reader.lookup(pair.publicKey), {value: second, seq: 11});
		await writer.publish({keyPair: pair, value: first, seq: 5}).catch(() => undefined);
		assert.equal((await reader.lookup(pair.publicKey))?.seq, 11);
		assert.equal(await reader.lookup(keyPair().publicKey), undefined);
	});

	it('refuses bad items before touching the network, and everything before start()', async () => {
		const writer = await joined();
		const pair = keyPair();
		await assert.rejects(writer.publish({keyPair: pair, value: new Uint8Array(maxValueBytes + 1), seq: 1}), RegistryError);
		await assert.rejects(writer.publish({keyPair: pair, value: new Uint8Array(10), seq: -1}), RegistryError);
		await assert.rejects(writer.publish({keyPair: pair, value: new Uint8Array(10), seq: 2 ** 53}), RegistryError);
		await assert.rejects(writer.publish({keyPair: {publicKey: pair.publicKey, secretSeed: new Uint8Array(31)}, value: new Uint8Array(10), seq: 1}), RegistryError);
		await assert.rejects(new DhtRegistry({bootstrap: false}).publish({keyPair: pair, value: new Uint8Array(10), seq: 1}), RegistryError);
		assert.equal(await new DhtRegistry({bootstrap: false}).lookup(pair.publicKey), undefined);
		assert.equal(await writer.lookup(new Uint8Array(5)), undefined);
	});

	it('verifies synchronously and returns false, never throws, for any input', () => {
		const verify = createBep44Verify();
		const pair = keyPair();
		const message = bep44SignedBytes(1, new Uint8Array([1, 2, 3]));
		const junk: unknown[] = [undefined, null, 5, 'x', {}, [], new Uint8Array(64), new Uint8Array(32), new Uint8Array(0), Buffer.alloc(63), Buffer.alloc(32, 0xFF)];
		for (const signature of junk) {
			for (const publicKey of junk) {
				assert.equal(verify(signature, message, publicKey), false);
			}
		}

		assert.equal(verify(new Uint8Array(64), message, pair.publicKey), false);
	});

	it('drops hostile KRPC shapes at the socket and keeps serving', async () => {
		const victim = await joined();
		const address = victim.address();
		assert.ok(address);
		const attacker = createSocket('udp4');
		sockets.push(attacker);
		await new Promise<void>(resolve => {
			attacker.bind(0, '127.0.0.1', resolve);
		});
		const id = randomBytes(20);
		const hostile = [
			// Each of these throws inside bittorrent-dht 11 or k-rpc-socket without the guard.
			{t: 'aa', y: 'q', q: 'get', a: {id, target: 5}},
			{t: 'ab', y: 'q', q: 'find_node', a: {id, target: {x: 1}}},
			{t: 'ac', y: 'q', q: 'put', a: {id, token: 'tok', v: 'value', k: 7, sig: [1]}},
			{t: 'ad', y: 'q', q: 'put', a: {id, token: 'tok', v: {nested: 'dict'}, k: randomBytes(32), sig: randomBytes(64), seq: 1}},
			{t: 'ae', y: 'q', q: 'get_peers', a: {id, info_hash: []}},
			{t: 'af', y: 'r', r: {id: 12}},
			{t: 'ag', y: 'r', r: 5},
			{t: 'ah', y: 'e', e: 'not a list'},
			{t: 'ai', y: 'q', q: 'ping', a: {id: 3}},
		].map(bencode);
		const garbage = Array.from({length: 300}, (_, index) => randomBytes(index * 7 % 1500));
		const all = [...hostile, ...garbage, randomBytes(9000)];
		for (const datagram of all) {
			// One at a time, so no datagram is lost to a full receive buffer.
			await new Promise<void>(resolve => {
				attacker.send(datagram, address.port, '127.0.0.1', () => {
					setImmediate(resolve);
				});
			});
		}

		await pollUntil('the victim to drop every hostile datagram', () => victim.droppedDatagrams >= all.length, 10_000);

		// A well-formed ping still gets its answer, after all the junk: the node is alive.
		const pong = new Promise<Buffer>(resolve => {
			attacker.on('message', message => {
				if (decodeStrict(message) && message.includes('2:zz')) {
					resolve(message);
				}
			});
		});
		attacker.send(bencode({t: 'zz', y: 'q', q: 'ping', a: {id}}), address.port, '127.0.0.1');
		assert.ok(isSafeKrpcMessage(await pong));
		const pair = keyPair();
		await victim.publish({keyPair: pair, value: new Uint8Array([1]), seq: 1});
		assert.equal((await victim.lookup(pair.publicKey))?.seq, 1);
	});

	it('survives a malicious node that answers every query with junk, and still finds items', async () => {
		const liar = createSocket('udp4');
		sockets.push(liar);
		await new Promise<void>(resolve => {
			liar.bind(0, '127.0.0.1', resolve);
		});
		const liarId = randomBytes(20);
		let answered = 0;
		liar.on('message', (message, peer) => {
			const query = decodeStrict(message) as {t?: Uint8Array; q?: Uint8Array} | undefined;
			if (!query?.t) {
				return;
			}

			answered++;
			const t = Buffer.from(query.t);
			const k = randomBytes(32);
			const replies = [
				{t, y: 'r', r: {id: liarId, nodes: randomBytes(26 * 3)}},
				{t, y: 'r', r: {id: liarId, token: randomBytes(8), v: randomBytes(996), k, sig: randomBytes(64), seq: 9_000_000}},
				{t, y: 'r', r: {id: liarId, token: randomBytes(8), v: randomBytes(2000), k, sig: randomBytes(64), seq: 1}},
				{t, y: 'r', r: {id: liarId, v: {a: 1}, k: 5, sig: 'x', seq: 'y'}},
				{t, y: 'r', r: {id: 99}},
				{t, y: 'e', e: [201, 'nope']},
			];
			liar.send(bencode(replies[answered % replies.length]), peer.port, peer.address);
			liar.send(randomBytes(answered % 50), peer.port, peer.address);
		});
		const liarAddress = `127.0.0.1:${liar.address().port}`;
		const writer = await joined();
		const reader = await joined({bootstrap: [liarAddress, ...swarm.bootstrap]});
		const pair = keyPair();
		const value = new Uint8Array(randomBytes(300));
		await writer.publish({keyPair: pair, value, seq: 3});
		assert.deepEqual(await reader.lookup(pair.publicKey), {value, seq: 3});
		assert.equal(await reader.lookup(keyPair().publicKey), undefined);
		assert.ok(answered > 0, 'the malicious node was asked');
	});
});
