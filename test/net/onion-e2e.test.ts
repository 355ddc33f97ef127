// End to end through the private Tor network: client 1 publishes an onion service in front of
// a loopback echo server, client 2 reaches it through its SOCKS port. Also: an absent (but
// well-formed) onion is "descriptor not found", and a malformed one "bad address", not a hang.
import {strict as assert} from 'node:assert';
import {createHash, generateKeyPairSync, randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {createServer} from 'node:net';
import type {AddressInfo, Server} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {SocksError, dialSocks, dialWithRetry} from '../../source/net/socks.js';
import type {TorControl} from '../../source/net/tor-control.js';
import {connectClientControl, useTestNetwork} from '../helpers/network.js';
import {readBytes} from '../helpers/read-bytes.js';

function base32(bytes: Uint8Array): string {
	const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
	let bits = 0;
	let value = 0;
	let text = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			text += alphabet[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}

	return bits > 0 ? text + alphabet[(value << (5 - bits)) & 31] : text;
}

/** rend-spec-v3: base32(pubkey || checksum || 0x03), checksum = SHA3-256(".onion checksum" || pubkey || 0x03)[:2]. */
function onionAddress(publicKey: Uint8Array): string {
	const version = Buffer.from([3]);
	const checksum = createHash('sha3-256').update('.onion checksum').update(publicKey).update(version).digest().subarray(0, 2);
	return `${base32(Buffer.concat([publicKey, checksum, version]))}.onion`;
}

/** The onion address of a fresh Ed25519 key that no one publishes. */
function absentOnion(): string {
	const spki = generateKeyPairSync('ed25519').publicKey.export({format: 'der', type: 'spki'});
	return onionAddress(spki.subarray(-32));
}

describe('onion services on the private Tor network', () => {
	const network = useTestNetwork();
	const [host, guest] = network.clients;
	assert.ok(host && guest);
	const proxy = {host: '127.0.0.1', port: guest.socksPort};
	let echo: Server;
	let echoPort: number;
	let control: TorControl;

	before(async () => {
		echo = createServer(socket => {
			socket.on('error', () => {});
			socket.pipe(socket);
		});
		echo.listen(0, '127.0.0.1');
		await once(echo, 'listening');
		echoPort = (echo.address() as AddressInfo).port;
		control = await connectClientControl(host);
	});

	after(async () => {
		await control?.close();
		echo?.close();
	});

	test('the address function matches tor: ADD_ONION of a known key gives the address we compute', async () => {
		const {privateKey, publicKey} = generateKeyPairSync('ed25519');
		// Tor's ED25519-V3 key blob is the expanded secret key: SHA-512 of the seed, clamped.
		const seed = privateKey.export({format: 'der', type: 'pkcs8'}).subarray(-32);
		const expanded = createHash('sha512').update(seed).digest();
		expanded[0]! &= 248;
		expanded[31]! &= 127;
		expanded[31]! |= 64;
		const {serviceId} = await control.addOnion({virtualPort: 80, targetPort: echoPort, key: `ED25519-V3:${expanded.toString('base64')}`});
		try {
			assert.equal(`${serviceId}.onion`, onionAddress(publicKey.export({format: 'der', type: 'spki'}).subarray(-32)));
		} finally {
			await control.delOnion(serviceId);
		}
	});

	test('client 2 reaches client 1\'s new onion service and gets its bytes back', async t => {
		await control.setEvents(['HS_DESC']);
		const added = Date.now();
		const {serviceId} = await control.addOnion({virtualPort: 80, targetPort: echoPort});
		try {
			await control.waitForDescriptorUpload(serviceId, {all: true, timeoutMs: 30_000});
			const uploaded = Date.now();
			let retries = 0;
			const socket = await dialWithRetry({
				proxy,
				destination: {host: `${serviceId}.onion`, port: 80},
				isolation: {username: randomBytes(8).toString('hex'), password: 'x'},
				onRetry(error) {
					retries++;
					t.diagnostic(`retrying after: ${error.message}`);
				},
			});
			const reachable = Date.now();
			try {
				const message = randomBytes(64);
				socket.write(message);
				assert.deepEqual(await readBytes(socket, message.length), message);
			} finally {
				socket.destroy();
			}

			t.diagnostic(`ADD_ONION → all descriptors uploaded ${uploaded - added} ms, → connected ${reachable - added} ms (${retries} retries), → echo ${Date.now() - added} ms`);
		} finally {
			await control.delOnion(serviceId);
		}
	});

	test('a well-formed onion that nobody publishes is "descriptor not found" (0xF0), not a hang', async t => {
		const started = Date.now();
		await assert.rejects(dialSocks({proxy, destination: {host: absentOnion(), port: 80}, timeoutMs: 60_000}), (error: unknown) => {
			assert.ok(error instanceof SocksError, String(error));
			assert.equal(error.code, 0xF0);
			assert.equal(error.retryable, true);
			assert.match(error.message, /descriptor not found/);
			return true;
		});
		t.diagnostic(`0xF0 after ${Date.now() - started} ms`);
	});

	test('an onion with a broken checksum is "bad onion address" (0xF6), not retried', async () => {
		const address = absentOnion();
		const broken = `${address[0] === 'a' ? 'b' : 'a'}${address.slice(1)}`;
		await assert.rejects(dialWithRetry({proxy, destination: {host: broken, port: 80}, overallTimeoutMs: 30_000}), (error: unknown) => {
			assert.ok(error instanceof SocksError, String(error));
			assert.equal(error.code, 0xF6);
			assert.equal(error.retryable, false);
			return true;
		});
	});
});
