import assert from 'node:assert/strict';
import {createDecipheriv} from 'node:crypto';
import {describe, it} from 'node:test';
import {decodeFrameBody, encodeFrameBody, type FrameBody} from '../../source/engine/session/codec.js';
import {encodeLengthPrefixed, LengthPrefixedDecoder, maxFrameBytes, openFrame, sealFrame} from '../../source/engine/session/frames.js';
import {PreAuthLimit} from '../../source/engine/session/preauth-limit.js';
import {onionA} from '../helpers/session-harness.js';

const key = new Uint8Array(32).fill(9);

describe('frame sealing', () => {
	it('uses ChaCha20-Poly1305 with nonce 0^4 || counter_be64 and the length as associated data', () => {
		const plaintext = encodeFrameBody({kind: 'typing', on: true});
		const frame = sealFrame(key, 258, plaintext);
		const length = Buffer.from(frame).readUInt32BE(0);
		assert.equal(length, frame.byteLength - 4);
		assert.equal(length, plaintext.byteLength + 16);
		// Decrypt by hand, following the documented layout rather than the code under test.
		const nonce = Buffer.from('000000000000000000000102', 'hex');
		const decipher = createDecipheriv('chacha20-poly1305', key, nonce, {authTagLength: 16});
		decipher.setAAD(frame.subarray(0, 4), {plaintextLength: plaintext.byteLength});
		decipher.setAuthTag(frame.subarray(frame.byteLength - 16));
		const opened = Buffer.concat([decipher.update(frame.subarray(4, frame.byteLength - 16)), decipher.final()]);
		assert.deepEqual(new Uint8Array(opened), plaintext);
	});

	it('refuses another counter, another key, a changed length byte', () => {
		const frame = sealFrame(key, 5, Uint8Array.of(0x05));
		const message = {header: frame.subarray(0, 4), payload: frame.subarray(4)};
		assert.deepEqual(openFrame(key, 5, message), Uint8Array.of(0x05));
		assert.equal(openFrame(key, 6, message), undefined);
		assert.equal(openFrame(new Uint8Array(32), 5, message), undefined);
		assert.equal(openFrame(key, 5, {header: Uint8Array.of(0, 0, 0, 18), payload: message.payload}), undefined);
	});
});

describe('LengthPrefixedDecoder', () => {
	it('reassembles messages from any chunking', () => {
		const messages = [new Uint8Array(1).fill(1), new Uint8Array(300).fill(2), new Uint8Array(5).fill(3)];
		const stream = Buffer.concat(messages.map(message => encodeLengthPrefixed(message)));
		for (const size of [1, 2, 3, 7, 100, stream.byteLength]) {
			const decoder = new LengthPrefixedDecoder(1000, 1);
			const out: Uint8Array[] = [];
			for (let offset = 0; offset < stream.byteLength; offset += size) {
				decoder.push(stream.subarray(offset, offset + size));
				for (let message = decoder.next(); message !== undefined; message = decoder.next()) {
					assert.notEqual(typeof message, 'string');
					out.push((message as {payload: Uint8Array}).payload);
				}
			}

			assert.deepEqual(out, messages, `chunks of ${size}`);
			assert.equal(decoder.buffered, 0);
		}
	});

	it('fails on a length over the cap before receiving it, and stays failed', () => {
		const decoder = new LengthPrefixedDecoder(maxFrameBytes, 17);
		decoder.push(Uint8Array.of(0, 1, 0, 1));
		assert.equal(decoder.next(), 'oversized');
		decoder.push(new Uint8Array(100));
		assert.equal(decoder.next(), 'oversized');
		assert.equal(decoder.buffered, 0);
		const small = new LengthPrefixedDecoder(maxFrameBytes, 17);
		small.push(Uint8Array.of(0, 0, 0, 16));
		assert.equal(small.next(), 'undersized');
	});

	it('drains what follows a message', () => {
		const decoder = new LengthPrefixedDecoder(10);
		decoder.push(Buffer.concat([encodeLengthPrefixed(Uint8Array.of(7)), Uint8Array.of(1, 2, 3)]));
		assert.deepEqual((decoder.next() as {payload: Uint8Array}).payload, Uint8Array.of(7));
		assert.deepEqual(decoder.drain(), Uint8Array.of(1, 2, 3));
	});
});

describe('frame bodies', () => {
	it('round-trip every kind', () => {
		const bodies: FrameBody[] = [
			{kind: 'presence', state: 'busy', status: ''},
			{kind: 'message', id: 'f'.repeat(32), sentAt: 1_780_000_000_000, text: 'ünïcödé ✓'},
			{kind: 'ack', id: '0'.repeat(32)},
			{kind: 'typing', on: false},
			{kind: 'ping'},
			{kind: 'pong'},
			{kind: 'bye'},
			{kind: 'onion-change', onion: onionA},
		];
		for (const body of bodies) {
			assert.deepEqual(decodeFrameBody(encodeFrameBody(body)), {ok: true, value: body});
		}
	});

	it('refuse an empty message, trailing bytes, an onion that is not v3, a time past 2^53', () => {
		assert.equal(decodeFrameBody(Uint8Array.of(0x02, ...new Uint8Array(16), ...new Uint8Array(8), 0, 0, 0, 0)).ok, false);
		assert.equal(decodeFrameBody(Uint8Array.of(0x05, 0)).ok, false);
		assert.equal(decodeFrameBody(Buffer.concat([Uint8Array.of(0x08, 10), Buffer.from('abc.onion!')])).ok, false);
		assert.equal(decodeFrameBody(Uint8Array.of(0x02, ...new Uint8Array(16), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x41)).ok, false);
	});
});

describe('PreAuthLimit', () => {
	it('admits up to the cap and again after a release', () => {
		const limit = new PreAuthLimit(2);
		assert.equal(limit.tryAdmit(), true);
		assert.equal(limit.tryAdmit(), true);
		assert.equal(limit.tryAdmit(), false);
		limit.release();
		assert.equal(limit.inFlight, 1);
		assert.equal(limit.tryAdmit(), true);
	});
});
