// The SOCKS5 dialer against scripted fake proxies on 127.0.0.1: the success path with data
// both ways, each of Tor's reply codes, and proxies that misbehave.
import {strict as assert} from 'node:assert';
import {once} from 'node:events';
import {createServer} from 'node:net';
import type {AddressInfo, Server, Socket} from 'node:net';
import {after, describe, test} from 'node:test';
import {SocksError, SocksProtocolError, SocksProxyUnreachableError, SocksTimeoutError, dialSocks, dialWithRetry} from '../../source/net/socks.js';
import {readBytes} from '../helpers/read-bytes.js';

/** One accepted connection, read in exact byte counts. */
class Peer {
	private buffered = Buffer.alloc(0);
	private wake: (() => void) | undefined;

	constructor(readonly socket: Socket) {
		socket.on('data', chunk => {
			this.buffered = Buffer.concat([this.buffered, chunk]);
			this.wake?.();
		});
		socket.on('error', () => {});
	}

	async read(count: number): Promise<Buffer> {
		while (this.buffered.length < count) {
			await new Promise<void>(resolve => {
				this.wake = resolve;
			});
		}

		const bytes = this.buffered.subarray(0, count);
		this.buffered = this.buffered.subarray(count);
		return bytes;
	}

	/** Reads a whole CONNECT request and returns the destination it names. */
	async readConnect(): Promise<{host: string; port: number}> {
		const [version, command, , addressType, length] = await this.read(5);
		assert.deepEqual([version, command, addressType], [5, 1, 3], 'CONNECT with an unresolved domain name');
		const host = (await this.read(length!)).toString('utf8');
		return {host, port: (await this.read(2)).readUInt16BE()};
	}
}

const servers: Server[] = [];
after(() => {
	for (const server of servers) {
		server.close();
	}
});

/** A fake proxy that runs `script` for every connection; returns its port. */
async function fakeProxy(script: (peer: Peer) => Promise<void>): Promise<number> {
	const sockets = new Set<Socket>();
	const server = createServer(socket => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		script(new Peer(socket)).catch(() => socket.destroy());
	});
	servers.push(server);
	server.on('close', () => {
		for (const socket of sockets) {
			socket.destroy();
		}
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	return (server.address() as AddressInfo).port;
}

const success = Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
const onion = `${'a'.repeat(56)}.onion`;

async function noAuthThenReply(peer: Peer, reply: Buffer): Promise<void> {
	assert.deepEqual([...await peer.read(3)], [5, 1, 0]);
	peer.socket.write(Buffer.from([5, 0]));
	await peer.readConnect();
	peer.socket.write(reply);
}

const dial = async (port: number, timeoutMs = 5000) => dialSocks({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 7777}, timeoutMs});

describe('dialSocks', () => {
	test('sends the onion name unresolved and carries data both ways, including data that came with the reply', async () => {
		let asked: {host: string; port: number} | undefined;
		const port = await fakeProxy(async peer => {
			assert.deepEqual([...await peer.read(3)], [5, 1, 0]);
			peer.socket.write(Buffer.from([5, 0]));
			asked = await peer.readConnect();
			// The reply, with the first application bytes in the same segment.
			peer.socket.write(Buffer.concat([Buffer.from([5, 0, 0, 3, 4]), Buffer.from('abcd'), Buffer.from([0, 80]), Buffer.from('hello ')]));
			peer.socket.pipe(peer.socket);
		});
		const socket = await dial(port);
		assert.deepEqual(asked, {host: onion, port: 7777});
		socket.write('world');
		assert.equal((await readBytes(socket, 11)).toString(), 'hello world');
		socket.destroy();
	});

	test('sends username and password (RFC 1929) when isolation is asked for', async () => {
		let credentials: string[] = [];
		const port = await fakeProxy(async peer => {
			assert.deepEqual([...await peer.read(3)], [5, 1, 2], 'offers username/password only');
			peer.socket.write(Buffer.from([5, 2]));
			const [authVersion, usernameLength] = await peer.read(2);
			assert.equal(authVersion, 1);
			const username = (await peer.read(usernameLength!)).toString();
			const [passwordLength] = await peer.read(1);
			credentials = [username, (await peer.read(passwordLength!)).toString()];
			peer.socket.write(Buffer.from([1, 0]));
			await peer.readConnect();
			peer.socket.write(success);
		});
		const socket = await dialSocks({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 1}, isolation: {username: 'contact-7', password: 'päss'}, timeoutMs: 5000});
		assert.deepEqual(credentials, ['contact-7', 'päss']);
		socket.destroy();
	});

	const codes: Array<[number, boolean, RegExp]> = [
		[0x01, true, /general SOCKS server failure/],
		[0x04, true, /host unreachable/],
		[0x05, false, /refused/],
		[0x06, true, /timed out/],
		[0xF0, true, /descriptor not found/],
		[0xF1, true, /descriptor is invalid/],
		[0xF2, true, /introduction failed/],
		[0xF3, true, /rendezvous failed/],
		[0xF4, false, /needs client authorization/],
		[0xF5, false, /rejected our client authorization/],
		[0xF6, false, /bad onion address/],
		[0xF7, true, /introduction timed out/],
	];
	for (const [code, retryable, message] of codes) {
		test(`reply 0x${code.toString(16)} becomes a SocksError (retryable: ${retryable})`, async () => {
			const port = await fakeProxy(async peer => {
				await noAuthThenReply(peer, Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
				peer.socket.end();
			});
			await assert.rejects(dial(port), (error: unknown) => {
				assert.ok(error instanceof SocksError);
				assert.equal(error.code, code);
				assert.equal(error.retryable, retryable);
				assert.match(error.message, message);
				assert.match(error.message, new RegExp(`0x${code.toString(16).padStart(2, '0')}`));
				return true;
			});
		});
	}

	test('a failure code is reported even when the proxy sends only two bytes and keeps the line open', async () => {
		const port = await fakeProxy(async peer => noAuthThenReply(peer, Buffer.from([5, 0xF0])));
		await assert.rejects(dial(port), (error: unknown) => error instanceof SocksError && error.code === 0xF0);
	});

	const garbage: Array<[string, (peer: Peer) => Promise<void>, RegExp]> = [
		['a wrong version byte in the method reply', async peer => {
			await peer.read(3);
			peer.socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
		}, /version 72 instead of 5/],
		['a method that was not offered', async peer => {
			await peer.read(3);
			peer.socket.write(Buffer.from([5, 2]));
		}, /not offered/],
		['no acceptable method', async peer => {
			await peer.read(3);
			peer.socket.write(Buffer.from([5, 0xFF]));
		}, /requires authentication/],
		['bytes beyond the method reply', async peer => {
			await peer.read(3);
			peer.socket.write(Buffer.from([5, 0, 5, 0, 0, 1]));
		}, /unexpected byte/],
		['a wrong version byte in the CONNECT reply', async peer => noAuthThenReply(peer, Buffer.from([4, 0, 0, 1, 0, 0, 0, 0, 0, 0])), /CONNECT with version 4/],
		['an unknown address type', async peer => noAuthThenReply(peer, Buffer.from([5, 0, 0, 9, 0, 0, 0, 0, 0, 0])), /unknown address type 0x9/],
		['a reply cut short, then close', async peer => {
			await noAuthThenReply(peer, Buffer.from([5, 0, 0, 1, 127]));
			peer.socket.end();
		}, /closed the connection in the middle of its reply/],
		['a close before any reply', async peer => {
			await peer.read(3);
			peer.socket.end();
		}, /closed the connection/],
	];
	for (const [name, script, message] of garbage) {
		test(`${name} is a SocksProtocolError and the socket is destroyed`, async () => {
			let proxySide: Socket | undefined;
			const port = await fakeProxy(async peer => {
				proxySide = peer.socket;
				await script(peer);
			});
			await assert.rejects(dial(port), (error: unknown) => {
				assert.ok(error instanceof SocksProtocolError, String(error));
				assert.equal(error.retryable, false);
				assert.match(error.message, message);
				return true;
			});
			// Our side destroyed the connection, so the fake proxy sees it close.
			assert.ok(proxySide);
			if (!proxySide.closed) {
				await once(proxySide, 'close');
			}
		});
	}

	test('a proxy that never answers times out', async () => {
		const port = await fakeProxy(async peer => {
			await peer.read(3);
		});
		const started = Date.now();
		await assert.rejects(dial(port, 300), (error: unknown) => error instanceof SocksTimeoutError && error.retryable && /timed out after 300 ms/.test(error.message));
		assert.ok(Date.now() - started < 4000, 'the timeout fired, not something later');
	});

	test('nothing listening is SocksProxyUnreachableError', async () => {
		const server = createServer();
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		const {port} = server.address() as AddressInfo;
		server.close();
		await once(server, 'close');
		await assert.rejects(dial(port), (error: unknown) => error instanceof SocksProxyUnreachableError && /Is Tor running/.test(error.message));
	});

	test('an abort signal ends the dial with its reason', async () => {
		const port = await fakeProxy(async peer => {
			await peer.read(3);
		});
		const controller = new AbortController();
		const dialing = dialSocks({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 1}, timeoutMs: 10_000, signal: controller.signal});
		controller.abort(new Error('user quit'));
		await assert.rejects(dialing, /user quit/);
	});

	test('a destination name longer than 255 bytes is refused before dialing', async () => {
		await assert.rejects(dialSocks({proxy: {host: '127.0.0.1', port: 9}, destination: {host: 'x'.repeat(256), port: 1}}), RangeError);
	});
});

describe('dialWithRetry', () => {
	test('retries 0xF0 until the proxy succeeds', async () => {
		let connections = 0;
		const port = await fakeProxy(async peer => {
			connections++;
			await noAuthThenReply(peer, connections < 3 ? Buffer.from([5, 0xF0, 0, 1, 0, 0, 0, 0, 0, 0]) : success);
			if (connections < 3) {
				peer.socket.end();
			}
		});
		const retries: number[] = [];
		const socket = await dialWithRetry({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 1}, backoffMs: 10, onRetry: (_error, attempt) => retries.push(attempt)});
		assert.equal(connections, 3);
		assert.deepEqual(retries, [1, 2]);
		socket.destroy();
	});

	test('does not retry a bad onion address (0xF6)', async () => {
		let connections = 0;
		const port = await fakeProxy(async peer => {
			connections++;
			await noAuthThenReply(peer, Buffer.from([5, 0xF6, 0, 1, 0, 0, 0, 0, 0, 0]));
		});
		await assert.rejects(dialWithRetry({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 1}, backoffMs: 10}), (error: unknown) => error instanceof SocksError && error.code === 0xF6);
		assert.equal(connections, 1);
	});

	test('gives up with the last error when the overall time is used up', async () => {
		let connections = 0;
		const port = await fakeProxy(async peer => {
			connections++;
			await noAuthThenReply(peer, Buffer.from([5, 0xF2, 0, 1, 0, 0, 0, 0, 0, 0]));
		});
		await assert.rejects(dialWithRetry({proxy: {host: '127.0.0.1', port}, destination: {host: onion, port: 1}, backoffMs: 50, overallTimeoutMs: 400}), (error: unknown) => error instanceof SocksError && error.code === 0xF2);
		assert.ok(connections >= 2, `retried (${connections} connections)`);
	});
});
