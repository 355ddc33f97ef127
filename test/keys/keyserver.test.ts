// The keyserver client against small servers on 127.0.0.1: a hagrid-like VKS server, scripted
// HTTP answers, and raw sockets for misbehaviour below HTTP (half answers, silence).
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import {connect, createServer as createTcpServer, type AddressInfo, type Server, type Socket} from 'node:net';
import {after, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {CertificateRejectedError, parseKeyQuery, UnknownOptionError} from '../../source/keys/index.js';
import {defaultKeyservers, dialThroughTor, fetchCertificate, InvalidKeyserverError, KeyserverLookupError, parseKeyserver, type KeyserverDial} from '../../source/keys/keyserver.js';
import {fixtureCertificate, fixtureText, makeKey, stripUserIds} from '../helpers/key-fixtures.js';
import {startVksServer} from '../helpers/vks-server.js';
import {pollUntil} from '../helpers/waiters.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
	await Promise.all(cleanups.map(async cleanup => cleanup()));
});

const dialed: string[] = [];
const dial: KeyserverDial = async (host, port) => new Promise<Socket>((resolve, reject) => {
	dialed.push(`${host}:${port}`);
	const socket = connect({host, port});
	socket.once('connect', () => resolve(socket));
	socket.once('error', reject);
});

async function listening(server: Server): Promise<number> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	cleanups.push(async () => new Promise<void>(resolve => {
		(server as Server & {closeAllConnections?: () => void}).closeAllConnections?.();
		server.close(() => resolve());
	}));
	return (server.address() as AddressInfo).port;
}

/** An HTTP server whose every answer comes from `handler`; records request paths. */
async function scripted(handler: (request: IncomingMessage, response: ServerResponse) => void) {
	const requests: string[] = [];
	const port = await listening(createHttpServer((request, response) => {
		requests.push(request.url ?? '');
		handler(request, response);
	}));
	return {port, requests};
}

/** A TCP server that reads the request head and then does whatever `onRequest` says. */
async function raw(onRequest: (socket: Socket) => void) {
	const sockets = new Set<Socket>();
	const closed = new Set<Socket>();
	const server = createTcpServer(socket => {
		sockets.add(socket);
		socket.on('error', () => {});
		socket.once('close', () => closed.add(socket));
		socket.once('data', () => onRequest(socket));
	});
	const port = await listening(server);
	cleanups.push(async () => {
		for (const socket of sockets) {
			socket.destroy();
		}
	});
	return {port, sockets, closed};
}

/** Waits, at most timeoutMs, for `condition`; checks every millisecond. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
	await pollUntil(what, condition, timeoutMs, {pollMs: 1});
}

async function lookupFails(keyservers: string[], options: {timeoutMs?: number; maxBytes?: number} = {}): Promise<KeyserverLookupError> {
	const alice = await fixtureCertificate('alice');
	const error = await fetchCertificate({query: parseKeyQuery(alice.fingerprint), keyservers, dial, ...options}).then(() => undefined, (error_: unknown) => error_);
	assert.ok(error instanceof KeyserverLookupError, `expected a KeyserverLookupError, got ${String(error)}`);
	return error;
}

describe('fetchCertificate over VKS and HKP', () => {
	it('gets a key from a VKS server by key ID and by fingerprint, with the documented paths', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([fixtureText('bob.pub.asc'), fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		for (const query of [parseKeyQuery(alice.keyId.toLowerCase()), parseKeyQuery(`0x${alice.fingerprint}`)]) {
			const {certificate, keyserver} = await fetchCertificate({query, keyservers: [server.url], dial});
			assert.equal(certificate.fingerprint, alice.fingerprint);
			assert.deepEqual(certificate.userIds, ['Alice <alice@example.org>']);
			assert.equal(keyserver, server.url);
		}

		assert.deepEqual(server.requests, [`/vks/v1/by-keyid/${alice.keyId}`, `/vks/v1/by-fingerprint/${alice.fingerprint}`]);
	});

	it('gets a key over HKP with op=get&options=mr&search=0x<ID>', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [`hkp://127.0.0.1:${server.port}`], dial});
		assert.equal(certificate.fingerprint, alice.fingerprint);
		assert.deepEqual(server.requests, [`/pks/lookup?op=get&options=mr&search=0x${alice.keyId}`]);
	});

	it('the VKS test server answers 400 to a malformed ID and 404 to a miss, as hagrid does', async () => {
		const server = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		const base = `http://127.0.0.1:${server.port}/vks/v1`;
		assert.equal((await fetch(`${base}/by-keyid/e0b6dfe5eed68ff3`)).status, 400);
		assert.equal((await fetch(`${base}/by-fingerprint/0xEA078F743A76E8E2F4FC9812E0B6DFE5EED68FF3`)).status, 400);
		assert.equal((await fetch(`${base}/by-keyid/0123456789ABCDEF`)).status, 404);
	});

	it('on an http(s):// keyserver, falls back from VKS to HKP when VKS has no such route', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await scripted((request, response) => {
			const hit = request.url?.startsWith('/pks/lookup');
			response.writeHead(hit ? 200 : 404, {'content-type': hit ? 'application/pgp-keys' : 'text/html'});
			response.end(hit ? fixtureText('alice.pub.asc') : '<html>no such page</html>');
		});
		const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.fingerprint), keyservers: [`http://127.0.0.1:${server.port}`], dial});
		assert.equal(certificate.fingerprint, alice.fingerprint);
		assert.equal(server.requests.length, 2);
		assert.match(server.requests[0]!, /^\/vks\/v1\/by-fingerprint\//);
		assert.match(server.requests[1]!, /^\/pks\/lookup\?/);
	});

	it('returns a certificate without user IDs, as keys.openpgp.org serves them', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([stripUserIds(alice.key).armor()]);
		cleanups.push(server.stop);
		const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [server.url], dial});
		assert.equal(certificate.fingerprint, alice.fingerprint);
		assert.deepEqual(certificate.userIds, []);
		assert.equal(certificate.encryptionKey.fingerprint, alice.encryptionKey.fingerprint);
	});

	it('is not found on a 404, and says so for every keyserver', async () => {
		const server = await startVksServer([fixtureText('bob.pub.asc')]);
		cleanups.push(server.stop);
		const error = await lookupFails([server.url, `hkp://127.0.0.1:${server.port}`]);
		assert.equal(error.notFound, true);
		assert.deepEqual(error.attempts.map(attempt => attempt.outcome), ['not-found', 'not-found']);
		assert.match(error.message, /vks\+http:\/\/127\.0\.0\.1:\d+: not found; hkp:\/\/127\.0\.0\.1:\d+: not found/);
	});
});

describe('fetchCertificate against keyservers that answer wrongly', () => {
	it('ignores a key other than the one asked for', async () => {
		const server = await scripted((_request, response) => {
			response.writeHead(200, {'content-type': 'application/pgp-keys'});
			response.end(fixtureText('bob.pub.asc'));
		});
		const error = await lookupFails([`hkp://127.0.0.1:${server.port}`]);
		assert.equal(error.notFound, true);
		assert.match(error.message, /other keys only/);
	});

	it('does not take a certificate found by its subkey ID for a primary key ID', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		const error = await fetchCertificate({query: parseKeyQuery(alice.encryptionKey.keyId), keyservers: [server.url], dial}).then(() => undefined, (error_: unknown) => error_);
		assert.ok(error instanceof KeyserverLookupError && error.notFound, String(error));
		assert.deepEqual(server.requests, [`/vks/v1/by-keyid/${alice.encryptionKey.keyId}`]);
	});

	it('treats sks\'s empty 200 (X-HKP-Results-Count: 0) as not found', async () => {
		const server = await scripted((_request, response) => {
			response.writeHead(200, {'content-type': 'application/pgp-keys', 'x-hkp-results-count': '0'});
			response.end();
		});
		const error = await lookupFails([`hkp://127.0.0.1:${server.port}`]);
		assert.equal(error.notFound, true);
		assert.match(error.message, /empty answer/);
	});

	it('fails clearly on HTML, binary junk and truncated armor', async () => {
		const armor = fixtureText('alice.pub.asc');
		const bodies: Array<string | Buffer> = [
			'<html><body>Welcome to our keyserver</body></html>',
			randomBytes(3000),
			armor.slice(0, Math.floor(armor.length / 2)),
			`${armor.slice(0, armor.length / 2)}\n-----END PGP PUBLIC KEY BLOCK-----\n`,
		];
		for (const body of bodies) {
			const server = await scripted((_request, response) => {
				response.writeHead(200, {'content-type': 'application/pgp-keys'});
				response.end(body);
			});
			const error = await lookupFails([`hkp://127.0.0.1:${server.port}`]);
			assert.equal(error.notFound, false);
			assert.equal(error.attempts[0]?.outcome, 'failed');
			assert.match(error.message, /not a readable OpenPGP key|not found/);
		}
	});

	it('reports server errors and does not follow redirects', async () => {
		const target = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(target.stop);
		const broken = await scripted((_request, response) => {
			response.writeHead(503);
			response.end('overloaded');
		});
		const redirecting = await scripted((request, response) => {
			response.writeHead(302, {location: `http://127.0.0.1:${target.port}${request.url ?? ''}`});
			response.end();
		});
		const error = await lookupFails([`hkp://127.0.0.1:${broken.port}`, `hkp://127.0.0.1:${redirecting.port}`]);
		assert.match(error.attempts[0]!.reason, /server error \(HTTP 503\)/);
		assert.match(error.attempts[1]!.reason, /redirects to http:\/\/127\.0\.0\.1:\d+\/pks\/lookup.*does not follow/);
		assert.deepEqual(target.requests, []);
	});

	it('stops reading an answer larger than maxBytes, declared or streamed', async () => {
		const declared = await scripted((_request, response) => {
			response.writeHead(200, {'content-type': 'application/pgp-keys', 'content-length': 2 * 1024 * 1024});
			response.write('x'.repeat(1000));
		});
		let streamed = 0;
		const endless = await scripted((_request, response) => {
			response.writeHead(200, {'content-type': 'application/pgp-keys'});
			const chunk = Buffer.alloc(16 * 1024, 0x41);
			const pump = () => {
				while (!response.destroyed && streamed < 64 * 1024 * 1024) {
					streamed += chunk.length;
					if (!response.write(chunk)) {
						return;
					}
				}

				response.end();
			};

			response.on('drain', pump);
			pump();
		});
		const error = await lookupFails([`hkp://127.0.0.1:${declared.port}`, `hkp://127.0.0.1:${endless.port}`], {maxBytes: 100_000});
		assert.match(error.attempts[0]!.reason, /answer too large \(2097152 bytes; the limit is 100000\)/);
		assert.match(error.attempts[1]!.reason, /answer too large \(more than 100000 bytes\)/);
		assert.ok(streamed < 64 * 1024 * 1024, 'the client hung up instead of reading on');
	});

	it('fails when the server closes in the middle of the body (Content-Length and chunked)', async () => {
		const armor = fixtureText('alice.pub.asc');
		const withLength = await raw(socket => {
			socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/pgp-keys\r\nContent-Length: ${armor.length}\r\n\r\n${armor.slice(0, 100)}`);
		});
		const chunked = await raw(socket => {
			socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/pgp-keys\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n${armor.slice(0, 100)}\r\n`);
		});
		const error = await lookupFails([`hkp://127.0.0.1:${withLength.port}`, `hkp://127.0.0.1:${chunked.port}`]);
		for (const attempt of error.attempts) {
			assert.equal(attempt.outcome, 'failed');
			assert.match(attempt.reason, /closed in the middle of the answer|broke in the middle/);
		}
	});

	it('reads a chunked answer and answers with junk below HTTP as failures', async () => {
		const alice = await fixtureCertificate('alice');
		const armor = fixtureText('alice.pub.asc');
		const chunked = await raw(socket => {
			const half = Math.floor(armor.length / 2);
			const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
			socket.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(armor.slice(0, half))}${chunk(armor.slice(half))}0\r\n\r\n`);
		});
		const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [`hkp://127.0.0.1:${chunked.port}`], dial});
		assert.equal(certificate.fingerprint, alice.fingerprint);

		const junk = await raw(socket => socket.end(randomBytes(500)));
		const error = await lookupFails([`hkp://127.0.0.1:${junk.port}`]);
		assert.match(error.attempts[0]!.reason, /connection failed|Parse Error|closed/);
	});

	it('gives up on a silent server and on a dial that never finishes, after timeoutMs', async () => {
		const silent = await raw(() => {});
		const alice = await fixtureCertificate('alice');
		const started = Date.now();
		const error = await lookupFails([`hkp://127.0.0.1:${silent.port}`], {timeoutMs: 300});
		assert.match(error.attempts[0]!.reason, /no answer within 300 ms/);
		const hanging: KeyserverDial = async () => new Promise<Socket>(() => {});
		const second = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: ['hkp://example.invalid'], dial: hanging, timeoutMs: 300}).then(() => undefined, (error_: unknown) => error_);
		assert.ok(second instanceof KeyserverLookupError && /no answer within 300 ms/.test(second.message), String(second));
		assert.ok(Date.now() - started < 5000);
		// The client hung up on the silent server rather than leaving the connection open.
		await until(() => silent.sockets.size === 1 && silent.closed.size === 1, 'the client closed its connection to the silent server');
	});
});

describe('fetchCertificate across several keyservers', () => {
	it('tries the next keyserver when one is down, and reports which one answered', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		// Close the first server so its port refuses connections.
		const closed = createTcpServer();
		const deadPort = await new Promise<number>(resolve => closed.listen(0, '127.0.0.1', () => resolve((closed.address() as AddressInfo).port)));
		await new Promise<void>(resolve => closed.close(() => resolve()));
		const {certificate, keyserver} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [`hkp://127.0.0.1:${deadPort}`, server.url], dial});
		assert.equal(certificate.fingerprint, alice.fingerprint);
		assert.equal(keyserver, server.url);

		const error = await lookupFails([`hkp://127.0.0.1:${deadPort}`, server.url.replace(String(server.port), String(deadPort))]);
		assert.equal(error.attempts.length, 2);
		assert.match(error.message, /cannot connect: .*ECONNREFUSED.*cannot connect: .*ECONNREFUSED/);
	});

	it('stops at a revoked certificate: an older copy elsewhere must not win', async () => {
		const key = await makeKey({name: 'Revoked'});
		const {publicKey: revoked} = await openpgp.revokeKey({key, format: 'armored'});
		const first = await startVksServer([revoked]);
		const second = await startVksServer([key.toPublic().armor()]);
		cleanups.push(first.stop, second.stop);
		await assert.rejects(
			fetchCertificate({query: parseKeyQuery(key.getFingerprint()), keyservers: [first.url, second.url], dial}),
			(error: unknown) => error instanceof CertificateRejectedError && error.code === 'revoked',
		);
		assert.deepEqual(second.requests, []);
	});

	it('rejects bad keyserver URLs and unknown options before dialing anything', async () => {
		const before = dialed.length;
		const query = parseKeyQuery('E0B6DFE5EED68FF3');
		for (const keyserver of ['ftp://keys.example', 'not a url', 'hkp://user:secret@keys.example', 'hkps://keys.example/?x=1']) {
			await assert.rejects(fetchCertificate({query, keyservers: ['hkp://127.0.0.1:1', keyserver], dial}), InvalidKeyserverError);
		}

		await assert.rejects(fetchCertificate({query, keyservers: [], dial}), InvalidKeyserverError);
		await assert.rejects(fetchCertificate({query, dial, timeout: 5} as never), UnknownOptionError);
		assert.equal(dialed.length, before);
	});

	it('ends at once when the caller aborts', async () => {
		const silent = await raw(() => {});
		const controller = new AbortController();
		const pending = fetchCertificate({query: parseKeyQuery('E0B6DFE5EED68FF3'), keyservers: [`hkp://127.0.0.1:${silent.port}`, `hkp://127.0.0.1:${silent.port}`], dial, signal: controller.signal});
		await until(() => silent.sockets.size > 0, 'the client connected');
		controller.abort(new Error('user pressed Escape'));
		await assert.rejects(pending, /user pressed Escape/);
		assert.equal(silent.sockets.size, 1);
		await until(() => silent.closed.size === 1, 'the client closed its connection after the abort');
	});
});

/**
 * A SOCKS5 proxy that wants username/password, records what it was told, and connects every
 * destination name to 127.0.0.1 at the asked port: a stand-in for Tor resolving an onion name.
 */
async function fakeSocks() {
	const usernames: string[] = [];
	const destinations: string[] = [];
	const port = await listening(createTcpServer(client => {
		client.on('error', () => {});
		let buffer = Buffer.alloc(0);
		let stage: 'greeting' | 'auth' | 'connect' = 'greeting';
		const onData = (chunk: Buffer) => {
			buffer = Buffer.concat([buffer, chunk]);
			if (stage === 'greeting' && buffer.length >= 2 && buffer.length >= 2 + buffer[1]!) {
				buffer = buffer.subarray(2 + buffer[1]!);
				client.write(Buffer.from([5, 2]));
				stage = 'auth';
			}

			if (stage === 'auth' && buffer.length >= 3 && buffer.length >= 3 + buffer[1]! + (buffer[2 + buffer[1]!] ?? 255)) {
				const userLength = buffer[1]!;
				usernames.push(buffer.subarray(2, 2 + userLength).toString('utf8'));
				buffer = buffer.subarray(3 + userLength + buffer[2 + userLength]!);
				client.write(Buffer.from([1, 0]));
				stage = 'connect';
			}

			if (stage === 'connect' && buffer.length >= 5 && buffer.length >= 7 + buffer[4]!) {
				client.off('data', onData);
				const hostLength = buffer[4]!;
				const targetPort = buffer.readUInt16BE(5 + hostLength);
				destinations.push(`${buffer.subarray(5, 5 + hostLength).toString('utf8')}:${targetPort}`);
				const upstream = connect({host: '127.0.0.1', port: targetPort});
				upstream.on('error', () => client.destroy());
				upstream.once('connect', () => {
					client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
					client.pipe(upstream);
					upstream.pipe(client);
				});
			}
		};

		client.on('data', onData);
	}));
	return {port, usernames, destinations};
}

describe('dialThroughTor', () => {
	it('sends the onion name unresolved, with fresh SOCKS credentials for every lookup', async () => {
		const alice = await fixtureCertificate('alice');
		const server = await startVksServer([fixtureText('alice.pub.asc')]);
		cleanups.push(server.stop);
		const proxy = await fakeSocks();
		const onion = `${'a'.repeat(56)}.onion`;
		const torDial = dialThroughTor({host: '127.0.0.1', port: proxy.port});
		for (const query of [parseKeyQuery(alice.keyId), parseKeyQuery(alice.fingerprint)]) {
			const {certificate} = await fetchCertificate({query, keyservers: [`hkp://${onion}:${server.port}`], dial: torDial, timeoutMs: 5000});
			assert.equal(certificate.fingerprint, alice.fingerprint);
		}

		assert.deepEqual(proxy.destinations, [`${onion}:${server.port}`, `${onion}:${server.port}`]);
		assert.equal(proxy.usernames.length, 2);
		assert.notEqual(proxy.usernames[0], proxy.usernames[1]);
		assert.equal(server.requests.length, 2);
	});
});

describe('keyserver URLs', () => {
	it('maps schemes to protocols and default ports', () => {
		assert.deepEqual(defaultKeyservers, ['hkps://keys.openpgp.org']);
		const table = ['hkps://keys.openpgp.org', 'hkp://ABCDEF.onion', 'https://keys.example:8443/ks/', 'http://[::1]', 'vks+https://keys.openpgp.org'].map(url => {
			const {protocol, tls, host, port, prefix} = parseKeyserver(url);
			return [protocol, tls, host, port, prefix];
		});
		assert.deepEqual(table, [
			['hkp', true, 'keys.openpgp.org', 443, ''],
			['hkp', false, 'abcdef.onion', 11_371, ''],
			['vks-then-hkp', true, 'keys.example', 8443, '/ks'],
			['vks-then-hkp', false, '::1', 80, ''],
			['vks', true, 'keys.openpgp.org', 443, ''],
		]);
	});
});

// A self-signed certificate for 127.0.0.1 and localhost, valid until 2126, made for this test
// with openssl; the key protects nothing.
const testCertificate = `-----BEGIN CERTIFICATE-----
MIIBsTCCAVegAwIBAgIUVRUKhTLaFsztFYKo01YgBgCW3XgwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUdW1icmEgdGVzdCBrZXlzZXJ2ZXIwIBcNMjYxMTIzMDIzMzA1
WhgPMjEyNjEwMzAwMjMzMDVaMB8xHTAbBgNVBAMMFHVtYnJhIHRlc3Qga2V5c2Vy
dmVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE4jk+2KgC/UBWkaBlw2ela5MI
5X83TS0D4+av160Bwov1iRTEDZazb6CtErVmT7fql9c/lTxEQPEiA2ArrdD8LqNv
MG0wHQYDVR0OBBYEFGDPzirOYtYr2ahEoo5teUxq1GWFMB8GA1UdIwQYMBaAFGDP
zirOYtYr2ahEoo5teUxq1GWFMA8GA1UdEwEB/wQFMAMBAf8wGgYDVR0RBBMwEYIJ
bG9jYWxob3N0hwR/AAABMAoGCCqGSM49BAMCA0gAMEUCIQDyPFdOHfhL806b0gT6
Jac7Ir9kC5W6Qw8XL2ahtCavlwIgLmFIswMIfEvWZbmUGOLTBd05gxMX0hpFtEap
sPfDvuk=
-----END CERTIFICATE-----
`;
const testCertificateKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7TQzBXEnP6RqzeGx
MANa9wV2loEEFtRs9tnFWr7c1aWhRANCAATiOT7YqAL9QFaRoGXDZ6VrkwjlfzdN
LQPj5q/XrQHCi/WJFMQNlrNvoK0StWZPt+qX1z+VPERA8SIDYCut0Pwu
-----END PRIVATE KEY-----
`;

describe('fetchCertificate over TLS', () => {
	it('speaks hkps and https (VKS) through the dialed socket, and refuses an untrusted certificate', async () => {
		const alice = await fixtureCertificate('alice');
		const requests: string[] = [];
		const port = await listening(createHttpsServer({cert: testCertificate, key: testCertificateKey}, (request, response) => {
			requests.push(request.url ?? '');
			response.writeHead(200, {'content-type': 'application/pgp-keys'});
			response.end(fixtureText('alice.pub.asc'));
		}) as unknown as Server);
		for (const keyserver of [`hkps://127.0.0.1:${port}`, `https://localhost:${port}`]) {
			const localDial: KeyserverDial = async (host, dialPort) => dial(host === 'localhost' ? '127.0.0.1' : host, dialPort, {signal: AbortSignal.timeout(1000), timeoutMs: 1000});
			const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [keyserver], dial: localDial, ca: testCertificate});
			assert.equal(certificate.fingerprint, alice.fingerprint);
		}

		assert.deepEqual(requests, [`/pks/lookup?op=get&options=mr&search=0x${alice.keyId}`, `/vks/v1/by-keyid/${alice.keyId}`]);
		const error = await lookupFails([`hkps://127.0.0.1:${port}`]);
		assert.match(error.attempts[0]!.reason, /TLS failed: .*self-signed/);
		assert.equal(requests.length, 2);
	});
});
