// The pkarr relay payload: sig (64 bytes) || seq (u64 big-endian) || v, under the path
// /<z-base32 public key>. The signature is BEP 44's, over the bencoded seq and v, so a relay
// can hand the item to the DHT as it is and a reader checks it without trusting the relay.
import {createPrivateKey, sign as edSign} from 'node:crypto';
import {bep44SignedBytes, createBep44Verify} from './dht-registry.js';
import {zBase32Decode, zBase32Encode} from './z-base32.js';

export const signatureBytes = 64;
const seqBytes = 8;
export const payloadHeaderBytes = signatureBytes + seqBytes;
/** BEP 44's limit on v; pkarr relays answer 413 above sig + seq + this. */
export const maxRelayValueBytes = 1000;
export const maxPayloadBytes = payloadHeaderBytes + maxRelayValueBytes;

export type SignedItem = {
	publicKey: Uint8Array;
	signature: Uint8Array;
	seq: number;
	value: Uint8Array;
};

export function encodePayload(item: Pick<SignedItem, 'signature' | 'seq' | 'value'>): Buffer {
	const header = Buffer.alloc(payloadHeaderBytes);
	header.set(item.signature, 0);
	header.writeBigUInt64BE(BigInt(item.seq), signatureBytes);
	return Buffer.concat([header, item.value]);
}

export type PayloadProblem = 'too-short' | 'too-large' | 'seq-out-of-range' | 'bad-signature';

/**
 * Parses and checks a payload for `publicKey`. seq above 2^53 is refused: nothing umbra or
 * pkarr writes comes near it, and a JavaScript number could not hold it exactly.
 */
export function decodePayload(publicKey: Uint8Array, payload: Uint8Array, verify = defaultVerify): SignedItem | PayloadProblem {
	if (payload.length < payloadHeaderBytes) {
		return 'too-short';
	}

	if (payload.length > maxPayloadBytes) {
		return 'too-large';
	}

	const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
	const seq = bytes.readBigUInt64BE(signatureBytes);
	if (seq > BigInt(Number.MAX_SAFE_INTEGER)) {
		return 'seq-out-of-range';
	}

	const signature = new Uint8Array(bytes.subarray(0, signatureBytes));
	const value = new Uint8Array(bytes.subarray(payloadHeaderBytes));
	if (!verify(signature, bep44SignedBytes(Number(seq), value), publicKey)) {
		return 'bad-signature';
	}

	return {publicKey, signature, seq: Number(seq), value};
}

const defaultVerify = createBep44Verify();
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The BEP 44 signature of seq and value under the 32-byte Ed25519 seed. */
export function signItem(secretSeed: Uint8Array, seq: number, value: Uint8Array): Uint8Array {
	const key = createPrivateKey({key: Buffer.concat([ed25519Pkcs8Prefix, secretSeed]), format: 'der', type: 'pkcs8'});
	return new Uint8Array(edSign(null, bep44SignedBytes(seq, value), key));
}

export function relayPath(publicKey: Uint8Array): string {
	return `/${zBase32Encode(publicKey)}`;
}

/** The public key a request path names, or undefined when it names none. */
export function publicKeyFromPath(path: string): Uint8Array | undefined {
	const match = /^\/([a-z1-9]{52})$/.exec(path);
	const key = match ? zBase32Decode(match[1]!) : undefined;
	return key?.length === 32 ? key : undefined;
}
