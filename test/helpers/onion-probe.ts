// What someone who dials an engine's onion address can observe: the bytes the listener sends and
// when it closes, measured on the wall clock from the moment the dialer's answer went out. The
// answers an attacker can give: junk, or a well-formed hs1 made with a real identity of its own
// (a stranger's, or a hidden contact's) by the real handshake code.
import {randomBytes} from 'node:crypto';
import type {Certificate, Identity} from '../../source/keys/index.js';
import {handleHandshake, keysHandshakeCrypto, startDialer} from '../../source/engine/index.js';
import {dialWithRetry} from '../../source/net/socks.js';

export type ProbeResult = {bytes: Buffer; closedAfterMs: number};
/** Given hs0 (length prefix and nonce), the bytes to send back. */
export type Answer = (hs0: Buffer) => Promise<Buffer>;

/** Dials, sends the answer once hs0 has arrived, and collects everything until the close. */
export async function probe(socksPort: number, address: {onion: string; port: number}, answer: Answer, name: string): Promise<ProbeResult> {
	// A client that never fetched this descriptor may miss it once (0xF0) on a test network: retried.
	const socket = await dialWithRetry({proxy: {host: '127.0.0.1', port: socksPort}, destination: {host: `${address.onion}.onion`, port: address.port}, isolation: {username: name, password: 'x'}, overallTimeoutMs: 90_000}).catch((error: unknown) => {
		throw new Error(`probe ${name}: could not reach the onion (${(error as Error).message})`);
	});
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let answeredAt = 0;
		let answering = false;
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`the listener never closed the stream (${name})`));
		}, 60_000);
		socket.on('data', (chunk: Buffer) => {
			chunks.push(chunk);
			const received = Buffer.concat(chunks);
			if (!answering && received.length >= 36) {
				answering = true;
				answer(received.subarray(0, 36)).then(bytes => {
					// The clock starts when the last byte is handed to the socket, as the listener's starts when it arrives.
					socket.write(bytes, () => {
						answeredAt = Date.now();
					});
				}, (error: unknown) => {
					socket.destroy();
					reject(error as Error);
				});
			}
		});
		socket.on('error', () => undefined);
		socket.on('close', () => {
			clearTimeout(timer);
			resolve({bytes: Buffer.concat(chunks), closedAfterMs: answeredAt === 0 ? -1 : Date.now() - answeredAt});
		});
	});
}

/** Random bytes that do not even parse as a length prefix the listener accepts. */
export const junk: Answer = async () => randomBytes(300);

/** A length prefix that parses, around random bytes that open as nothing. */
export const framedJunk: Answer = async () => {
	const framed = Buffer.alloc(300);
	framed.writeUInt32BE(296, 0);
	randomBytes(296).copy(framed, 4);
	return framed;
};

/**
 * A real hs1: signed by `dialer`, encrypted to `listener`, carrying the listener's nonce from hs0,
 * the onion dialed and the time now: everything a contact's hs1 has.
 */
export function validHs1(dialer: Identity, listener: Certificate, onion: string): Answer {
	return async hs0 => {
		const now = Date.now();
		const config = {crypto: keysHandshakeCrypto(dialer), random: (length: number) => new Uint8Array(randomBytes(length)), contact: listener, onion: `${onion}.onion`};
		const step = await handleHandshake(startDialer(config, now).state, {type: 'data', bytes: hs0, now});
		const write = step.replies.find(reply => reply.type === 'write');
		if (!write || write.type !== 'write' || step.events.some(event => event.type === 'failed')) {
			throw new Error('the real dialer made no hs1 from this hs0');
		}

		return Buffer.from(write.bytes);
	};
}
