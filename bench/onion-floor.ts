// The raw floors of the engine benchmark: the same Tor and DHT work the engine does, with none
// of umbra's layers (no OpenPGP, no handshake, no store, no session frames).
import {randomBytes} from 'node:crypto';
import type {Socket} from 'node:net';
import {registryValueBytes} from '../source/engine/index.js';
import {ed25519PublicKey} from '../source/keys/slot.js';
import type {DhtRegistry} from '../source/net/dht-registry.js';
import {dialWithRetry, type SocksEndpoint, type SocksIsolation} from '../source/net/socks.js';
import type {TorControl} from '../source/net/tor-control.js';

/** Resolves once `socket` has delivered `count` more bytes (the echo of what was written). */
export async function readBytes(socket: Socket, count: number, timeoutMs = 60_000): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		let seen = 0;
		const cleanup = () => {
			clearTimeout(timer);
			socket.off('data', onData);
			socket.off('close', onClose);
		};

		const onData = (chunk: Buffer) => {
			seen += chunk.length;
			if (seen >= count) {
				cleanup();
				resolve();
			}
		};

		const onClose = () => {
			cleanup();
			reject(new Error(`the echo stream closed after ${seen} of ${count} bytes`));
		};

		const timer = setTimeout(() => {
			cleanup();
			reject(new Error(`no echo of ${count} bytes within ${timeoutMs} ms (got ${seen})`));
		}, timeoutMs);
		socket.on('data', onData);
		socket.once('close', onClose);
	});
}

/** One round trip of `payload` over an echo stream, in ms. */
export async function echoRtt(socket: Socket, payload: Uint8Array): Promise<number> {
	const start = performance.now();
	const echoed = readBytes(socket, payload.byteLength);
	socket.write(payload);
	await echoed;
	return performance.now() - start;
}

/** Writes `count` payloads back to back and waits for all of them to come back; in ms. */
export async function echoBurst(socket: Socket, payload: Uint8Array, count: number): Promise<number> {
	const start = performance.now();
	const echoed = readBytes(socket, payload.byteLength * count);
	for (let index = 0; index < count; index++) {
		socket.write(payload);
	}

	await echoed;
	return performance.now() - start;
}

export type StartFloor = {addOnionMs: number; putMs: number; getMs: number; connectMs: number; totalMs: number};

/**
 * The sequential minimum for "a contact comes online": ADD_ONION until tor reports the
 * descriptor uploaded (what the engine waits for too), one BEP 44 put and one get of a value
 * of the registry's size, and one onion connect on a fresh circuit from the other client
 * (descriptor fetch, introduction, rendezvous; retried on 0xF0 as the engine does).
 */
export async function measureStartFloor(options: {control: TorControl; echoPort: number; virtualPort: number; socks: SocksEndpoint; writer: DhtRegistry; reader: DhtRegistry}): Promise<StartFloor> {
	const {control} = options;
	if (!control.events.includes('HS_DESC')) {
		await control.setEvents([...control.events, 'HS_DESC']);
	}

	let start = performance.now();
	const {serviceId} = await control.addOnion({virtualPort: options.virtualPort, targetPort: options.echoPort});
	try {
		await control.waitForDescriptorUpload(serviceId, {timeoutMs: 60_000});
		const addOnionMs = performance.now() - start;

		const secretSeed = new Uint8Array(randomBytes(32));
		const keyPair = {publicKey: ed25519PublicKey(secretSeed), secretSeed};
		start = performance.now();
		await options.writer.publish({keyPair, value: new Uint8Array(randomBytes(registryValueBytes)), seq: Date.now() * 1000});
		const putMs = performance.now() - start;
		start = performance.now();
		const found = await options.reader.lookup(keyPair.publicKey);
		const getMs = performance.now() - start;
		if (!found) {
			throw new Error('the raw DHT get found nothing after the put');
		}

		const isolation: SocksIsolation = {username: randomBytes(16).toString('hex'), password: 'floor'};
		start = performance.now();
		const socket = await dialWithRetry({proxy: options.socks, destination: {host: `${serviceId}.onion`, port: options.virtualPort}, isolation, overallTimeoutMs: 60_000});
		const connectMs = performance.now() - start;
		socket.destroy();
		return {addOnionMs, putMs, getMs, connectMs, totalMs: addOnionMs + putMs + getMs + connectMs};
	} finally {
		await control.delOnion(serviceId).catch(() => undefined);
	}
}
