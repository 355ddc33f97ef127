// The relay registry client against relays on 127.0.0.1 (node:http servers scripted per test),
// every request through a SOCKS5 forwarder that records its credentials: the pkarr wire format,
// one circuit per request, the newest valid value across relays, and each fault a relay can
// show (5xx, 429, garbage, a flood, a stall, one or all down) ending in a clear error and a
// rest instead of a tight loop.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createTcpServer, type AddressInfo, type Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {bep44SignedBytes, createBep44Verify} from '../../source/net/dht-registry.js';
import {RegistryError} from '../../source/net/registry.js';
import {parseRelayUrl, RelayRegistry} from '../../source/net/relay-registry.js';
import {encodePayload, signItem} from '../../source/net/relay-payload.js';
import {zBase32Decode, zBase32Encode} from '../../source/net/z-base32.js';
import {startSocksForwarder, type SocksForwarder} from '../helpers/socks-forwarder.js';

const keyPair = () => {
	const secretSeed = new Uint8Array(randomBytes(32));
	return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
};

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void;

/** A relay on 127.0.0.1 whose answers the test scripts; counts the requests it saw. */
class ScriptedRelay {
	requests: Array<{method: string; path: string; body: Buffer}> = [];
	handler: Handler = (_request, _body, response) => {
		response.writeHead(404).end();
	};

	readonly server: Server = createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', () => {
			const body = Buffer.concat(chunks);
			this.requests.push({method: request.method!, path: request.url!, body});
			this.handler(request, body, response);
		});
	});

	get url(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async start(): Promise<this> {
		this.server.listen(0, '127.0.0.1');
		await once(this.server, 'listening');
		return this;
	}

	/** Serves PUTs into memory and GETs from it, as a well-behaved relay does. */
	storing(): this {
		const items = new Map<string, Buffer>();
		this.handler = (request, body, response) => {
			if (request.method === 'PUT') {
				items.set(request.url!, body);
				response.writeHead(204).end();
			} else if (items.has(request.url!)) {
				response.writeHead(200, {'content-type': 'application/pkarr.org/relays#payload'}).end(items.get(request.url!));
			} else {
				response.writeHead(404).end();
			}
		};

		return this;
	}
}

/** A TCP port that accepts and then does whatever `onSocket` says (garbage, silence). */
async function rawRelay(onSocket: (socket: Socket) => void): Promise<{url: string; close: () => void}> {
	const sockets = new Set<Socket>();
	const server = createTcpServer(socket => {
		sockets.add(socket);
		socket.on('error', () => undefined);
		onSocket(socket);
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close() {
			for (const socket of sockets) {
				socket.destroy();
			}

			server.close();
		},
	};
}

describe('RelayRegistry', () => {
	let socks: SocksForwarder;
	const closers: Array<() => unknown> = [];
	let clock = 1_000_000;
	const registry = (relays: string[], options: {requestTimeoutMs?: number} = {}) => {
		const made = new RelayRegistry({relays, socks: () => socks.endpoint, now: () => clock, lookupGraceMs: 200, backoffMs: {first: 10_000, max: 60_000}, ...options});
		closers.push(async () => made.close());
		return made;
	};

	const relay = async () => {
		const made = await new ScriptedRelay().start();
		closers.push(() => made.server.close());
		closers.push(() => made.server.closeAllConnections());
		return made;
	};

	before(async () => {
		socks = await startSocksForwarder();
	});
	after(async () => {
		for (const close of closers.reverse()) {
			await close();
		}

		await socks.close();
	});

	it('PUTs sig || seq || v to /<z-base32 key>, each request on fresh SOCKS credentials, and GETs it back verified', async () => {
		const server = (await relay()).storing();
		const client = registry([server.url]);
		await client.start();
		const owner = keyPair();
		const value = new Uint8Array(randomBytes(700));
		const before = socks.streams.length;
		assert.deepEqual(await client.publish({keyPair: owner, value, seq: 1_733_000_000_000_000}), {stored: 1});
		const [put] = server.requests;
		assert.equal(put!.method, 'PUT');
		assert.equal(put!.path, `/${zBase32Encode(owner.publicKey)}`);
		assert.equal(put!.body.length, 64 + 8 + 700);
		assert.equal(put!.body.readBigUInt64BE(64), 1_733_000_000_000_000n);
		assert.ok(createBep44Verify()(put!.body.subarray(0, 64), bep44SignedBytes(1_733_000_000_000_000, value), owner.publicKey), 'BEP 44 signature over 3:seqi…e1:v…');
		assert.deepEqual(await client.lookup(owner.publicKey), {value, seq: 1_733_000_000_000_000});
		assert.equal(await client.lookup(keyPair().publicKey), undefined, '404 is "not found"');
		const streams = socks.streams.slice(before);
		assert.equal(streams.length, 3);
		assert.equal(new Set(streams.map(stream => stream.username)).size, 3, 'no two requests share a circuit');
		assert.equal(new Set(streams.map(stream => stream.password)).size, 3);
		assert.ok(streams.every(stream => stream.host === '127.0.0.1'), 'the relay host goes to the proxy unresolved');
	});

	it('takes the newest correctly signed value of several relays and rests a relay that sends a forged one', async () => {
		const owner = keyPair();
		const older = await relay();
		const newer = await relay();
		const forger = await relay();
		const serve = (server: ScriptedRelay, seq: number, forge = false) => {
			const value = new Uint8Array(randomBytes(100));
			const signature = forge ? new Uint8Array(randomBytes(64)) : signItem(owner.secretSeed, seq, value);
			server.handler = (_request, _body, response) => {
				response.writeHead(200).end(encodePayload({signature, seq, value}));
			};

			return value;
		};

		serve(older, 5);
		const newest = serve(newer, 9);
		serve(forger, 99, true);
		const client = registry([older.url, newer.url, forger.url]);
		assert.deepEqual(await client.lookup(owner.publicKey), {value: newest, seq: 9});
		const health = client.health();
		assert.equal(health.find(entry => entry.url === forger.url)?.state, 'backing-off');
		assert.match(health.find(entry => entry.url === forger.url)?.lastError ?? '', /does not check out \(bad-signature\)/);
		assert.equal(health.find(entry => entry.url === newer.url)?.state, 'ok');
	});

	it('a 500 rejects the publish with the reason, and the relay then rests: no request reaches it until the rest is over', async () => {
		const server = await relay();
		server.handler = (_request, _body, response) => {
			response.writeHead(500).end('boom');
		};

		const client = registry([server.url]);
		const item = {keyPair: keyPair(), value: new Uint8Array([1, 2, 3]), seq: 1};
		await assert.rejects(client.publish(item), (error: Error) => error instanceof RegistryError && /has a server error \(500\)/.test(error.message));
		const seen = server.requests.length;
		for (let attempt = 0; attempt < 50; attempt++) {
			await assert.rejects(client.publish(item), /resting after failures .*the next try is in 10 s/);
			assert.equal(await client.lookup(item.keyPair.publicKey), undefined);
		}

		assert.equal(server.requests.length, seen, 'no tight loop against a failing relay');
		assert.equal(client.usableRelays(), 0);
		server.storing();
		clock += 10_001;
		assert.deepEqual(await client.publish(item), {stored: 1}, 'tried again once the rest is over');
		assert.equal(client.health()[0]?.state, 'ok');
	});

	it('a 429 rests the relay at least as long as its Retry-After says', async () => {
		const server = await relay();
		server.handler = (_request, _body, response) => {
			response.writeHead(429, {'retry-after': '120'}).end();
		};

		const client = registry([server.url]);
		await assert.rejects(client.publish({keyPair: keyPair(), value: new Uint8Array([1]), seq: 1}), /rate limiting us \(429\)/);
		assert.equal(client.health()[0]?.retryAt, clock + 120_000);
	});

	it('409, 400, 412, 413 and 428 refuse the item without resting the relay; any 2xx is success', async () => {
		const server = await relay();
		const client = registry([server.url]);
		const item = {keyPair: keyPair(), value: new Uint8Array([1]), seq: 1};
		for (const [status, reason] of [[409, /newer version/], [400, /malformed/], [412, /changed meanwhile/], [413, /too large/], [428, /If-Match/]] as const) {
			server.handler = (_request, _body, response) => {
				response.writeHead(status).end();
			};

			await assert.rejects(client.publish(item), reason);
			assert.equal(client.health()[0]?.state, 'ok', `${status} is no fault of the relay`);
		}

		for (const status of [200, 201, 202, 204]) {
			server.handler = (_request, _body, response) => {
				response.writeHead(status).end();
			};

			assert.deepEqual(await client.publish(item), {stored: 1}, `${status}`);
		}
	});

	it('garbage, an oversized answer and a stall each end in a clear reason and a rest', async () => {
		const garbage = await rawRelay(socket => socket.end(randomBytes(300)));
		const flood = await relay();
		flood.handler = (_request, _body, response) => {
			response.writeHead(200).end(randomBytes(64 * 1024));
		};

		const stall = await rawRelay(() => undefined);
		closers.push(garbage.close, stall.close);
		const owner = keyPair();
		for (const [url, reason] of [[garbage.url, /not HTTP/], [flood.url, /larger than 2096 bytes/], [stall.url, /no complete answer within 500 ms/]] as const) {
			const client = registry([url], {requestTimeoutMs: 500});
			const started = Date.now();
			assert.equal(await client.lookup(owner.publicKey), undefined);
			assert.ok(Date.now() - started < 5000, 'bounded by the request timeout');
			const [health] = client.health();
			assert.equal(health?.state, 'backing-off', url);
			assert.match(health?.lastError ?? '', reason);
		}
	});

	it('one of two relays down: the publish counts the other; all down: an error naming each, then found again when one returns', async () => {
		const up = (await relay()).storing();
		const down = await rawRelay(socket => socket.destroy());
		down.close();
		const owner = keyPair();
		const upUrl = up.url;
		const client = registry([upUrl, down.url]);
		assert.deepEqual(await client.publish({keyPair: owner, value: new Uint8Array([7]), seq: 3}), {stored: 1});
		assert.deepEqual(await client.lookup(owner.publicKey), {value: new Uint8Array([7]), seq: 3});
		up.server.close();
		up.server.closeAllConnections();
		clock += 60_001;
		await assert.rejects(client.publish({keyPair: owner, value: new Uint8Array([8]), seq: 4}), (error: Error) =>
			error.message.startsWith('No relay stored the item:') && error.message.includes(new URL(upUrl).host) && error.message.includes(new URL(down.url).host) && /could not be reached/.test(error.message));
		assert.equal(client.usableRelays(), 0);
		up.server.listen(Number(new URL(upUrl).port), '127.0.0.1');
		await once(up.server, 'listening');
		clock += 60_001;
		assert.deepEqual(await client.lookup(owner.publicKey), {value: new Uint8Array([7]), seq: 3});
	});

	it('refuses values it cannot send and relay URLs that would leak', async () => {
		const client = registry(['http://127.0.0.1:9']);
		await assert.rejects(client.publish({keyPair: keyPair(), value: new Uint8Array(1001), seq: 1}), /1 to 1000 bytes/);
		await assert.rejects(client.publish({keyPair: keyPair(), value: new Uint8Array(1), seq: -1}), /safe non-negative integer/);
		assert.throws(() => parseRelayUrl('http://relay.example.org'), /Use https:\/\//);
		assert.throws(() => parseRelayUrl('https://user:pw@relay.example.org'), /credentials/);
		assert.throws(() => parseRelayUrl('ftp://relay.example.org'), /must start with https/);
		assert.equal(parseRelayUrl(`http://${'a'.repeat(56)}.onion/`).href, `http://${'a'.repeat(56)}.onion/`);
		assert.throws(() => new RelayRegistry({relays: [], socks: () => socks.endpoint}), /--registry-relay/);
	});
});

describe('z-base32', () => {
	it('round-trips 32-byte keys in 52 characters and refuses non-canonical spellings', () => {
		// pkarr's documented example key.
		const name = 'o4dksfbqk85ogzdb5osziw6befigbuxmuxkuxq8434q89uj56uyy';
		const key = zBase32Decode(name);
		assert.equal(key?.length, 32);
		assert.equal(zBase32Encode(key!), name);
		for (let round = 0; round < 200; round++) {
			const bytes = new Uint8Array(randomBytes(32));
			const text = zBase32Encode(bytes);
			assert.equal(text.length, 52);
			assert.deepEqual(zBase32Decode(text), bytes);
		}

		assert.equal(zBase32Decode(name.toUpperCase()), undefined);
		assert.equal(zBase32Decode(`${name.slice(0, 51)}n`), undefined, 'trailing bits set');
		assert.equal(zBase32Decode('0'), undefined);
	});
});
