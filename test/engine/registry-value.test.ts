// The registry value as DHT nodes and pkarr relays see it: a DNS answer packet that an
// independent decoder (dns-packet) parses, of one size, under the slot's own name, and beyond
// that framing nothing but bytes that look random: no OpenPGP header, no length field. Pinned
// vectors keep the format from changing by accident.
import assert from 'node:assert/strict';
import {createDecipheriv, hkdfSync} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {before, describe, it} from 'node:test';
import {decode as decodeDns, encode as encodeDns} from 'dns-packet';
import {open, type Certificate, type Identity} from '../../source/keys/index.js';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import type {PublishResult, RegistryItem} from '../../source/net/registry.js';
import {Publisher} from '../../source/engine/registry/publisher.js';
import {decodeRecord} from '../../source/engine/registry/record.js';
import {maxSealedBytes, registryValueBytes, unwrapValue, valueTtlSeconds, wrapValue} from '../../source/engine/registry/value.js';
import {zBase32Encode as zBase32} from '../../source/net/z-base32.js';
import {fixtureCertificate, fixtureIdentity, hex} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {MemoryRegistry, makeIdentities, onions} from '../helpers/registry-helpers.js';

const step = 10 * 60_000;
type Vector = {name: string; seed: string; nonce: string; message: string; value: string; record?: unknown};
const {vectors} = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'registry-values.json'), 'utf8')) as {vectors: Vector[]};

/** The slot's public key and value key from its seed, derived here rather than by slotKeyPair. */
function slotOfSeed(seed: Uint8Array) {
	return {publicKey: ed25519PublicKey(seed), valueKey: new Uint8Array(hkdfSync('sha256', seed, Buffer.from('umbra/v1/value'), Buffer.alloc(0), 32))};
}

/** What dns-packet makes of a value, checked field by field against the one shape we write. */
function parseWithDnsPacket(value: Uint8Array, publicKey: Uint8Array): Buffer {
	const packet = decodeDns(Buffer.from(value));
	assert.equal(decodeDns.bytes, value.length, 'the packet ends where the value ends');
	assert.deepEqual([packet.id, packet.type, packet.flags, packet.opcode, packet.rcode], [0, 'response', 0, 'QUERY', 'NOERROR']);
	assert.deepEqual([packet.questions.length, packet.answers.length, packet.authorities.length, packet.additionals.length], [0, 1, 0, 0]);
	const [answer] = packet.answers;
	assert.equal(answer?.name, zBase32(publicKey), 'the owner is the slot key as a pkarr TLD');
	assert.deepEqual([answer.type, answer.class, answer.ttl], ['TXT', 'IN', valueTtlSeconds]);
	assert.ok(Array.isArray(answer.data) && answer.data.every(item => Buffer.isBuffer(item)));
	return Buffer.concat(answer.data as Buffer[]);
}

/** The payload opened with node:crypto by hand: uint16 length || message || zero padding. */
function openPayload(payload: Buffer, valueKey: Uint8Array): {length: number; message: Buffer; padding: Buffer} {
	const decipher = createDecipheriv('chacha20-poly1305', valueKey, payload.subarray(0, 12), {authTagLength: 16});
	decipher.setAuthTag(payload.subarray(payload.length - 16));
	const inner = Buffer.concat([decipher.update(payload.subarray(12, payload.length - 16)), decipher.final()]);
	const length = inner.readUInt16BE(0);
	return {length, message: inner.subarray(2, 2 + length), padding: inner.subarray(2 + length)};
}

describe('registry value format', () => {
	it('spells a key in z-base-32 as pkarr does', () => {
		// pkarr's own test vector (pkarr/src/types/keys.rs).
		const key = Uint8Array.from([1, 180, 103, 163, 183, 145, 58, 178, 122, 4, 168, 237, 242, 243, 251, 7, 76, 254, 14, 207, 75, 171, 225, 8, 214, 123, 227, 133, 59, 15, 38, 197]);
		assert.equal(zBase32(key), 'yg4gxe7z1r7mr6orids9fh95y7gxhdsxjqi6nngsxxtakqaxr5no');
	});

	for (const vector of vectors) {
		it(`matches the pinned vector "${vector.name}" both ways, and dns-packet agrees`, async () => {
			const seed = Buffer.from(vector.seed, 'hex');
			const slot = slotOfSeed(seed);
			const message = Buffer.from(vector.message, 'hex');
			const nonce = Buffer.from(vector.nonce, 'hex');
			const value = wrapValue({slot, message, random: size => (size === nonce.length ? nonce : new Uint8Array(0))});
			assert.equal(hex(value), vector.value);
			assert.deepEqual(unwrapValue({slot, value}), {ok: true, message: new Uint8Array(message)});

			const payload = parseWithDnsPacket(value, slot.publicKey);
			const opened = openPayload(payload, slot.valueKey);
			assert.deepEqual([opened.length, hex(opened.message)], [message.length, vector.message]);
			assert.ok(opened.padding.every(byte => byte === 0));
			// dns-packet writes the same bytes for the same answer: the framing is plain DNS.
			const chunks = [payload.subarray(0, 255), payload.subarray(255, 510), payload.subarray(510)];
			assert.equal(hex(encodeDns({type: 'response', id: 0, answers: [{name: zBase32(slot.publicKey), type: 'TXT', class: 'IN', ttl: valueTtlSeconds, data: chunks}]})), vector.value);

			if (vector.record) {
				const [alice, bob] = await Promise.all([fixtureCertificate('alice'), fixtureIdentity('bob')]);
				const record = vector.record as {issuedAt: number};
				const read = await open({sealed: message, recipient: bob, senders: [alice], date: new Date(record.issuedAt)});
				assert.ok(read.ok, 'bob opens the pinned record');
				assert.deepEqual(decodeRecord(read.plaintext), vector.record);
			}
		});
	}

	it('reads back only the exact framing: a flipped bit anywhere outside the payload is bad-framing', () => {
		const [vector] = vectors;
		const slot = slotOfSeed(Buffer.from(vector?.seed ?? '', 'hex'));
		const value = Buffer.from(vector?.value ?? '', 'hex');
		// 77 bytes of header, name, type, class, TTL, data length and the first string's length; the other two lengths.
		for (const index of [...Array.from({length: 77}, (_, position) => position), 77 + 255, 77 + 255 + 1 + 255]) {
			for (let bit = 0; bit < 8; bit++) {
				const changed = Uint8Array.from(value);
				changed[index] = (changed[index] ?? 0) ^ (1 << bit);
				assert.deepEqual(unwrapValue({slot, value: changed}), {ok: false, reason: 'bad-framing'}, `byte ${index} bit ${bit}`);
			}
		}

		assert.deepEqual(unwrapValue({slot, value: Uint8Array.from([...value, 0])}), {ok: false, reason: 'bad-framing'});
		assert.deepEqual(unwrapValue({slot: slotOfSeed(Buffer.alloc(32, 9)), value}), {ok: false, reason: 'bad-framing'}, 'another slot\'s name');
		assert.equal(maxSealedBytes, 659);
	});
});

/** An in-memory registry that notes the (manual) time each write arrives: the end of the test's step. */
class TimedRegistry extends MemoryRegistry {
	readonly times: number[] = [];
	constructor(private readonly time: ManualTime) {
		super();
	}

	override async publish(item: RegistryItem): Promise<PublishResult> {
		const now = this.time.now();
		const result = await super.publish(item);
		this.times.push(now);
		return result;
	}
}

describe('every value umbra writes', () => {
	let alice: Identity;
	let carol: Identity;
	let contacts: Certificate[];
	const registries: TimedRegistry[] = [];

	before(async () => {
		[alice, carol] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('carol')]);
		const made = await makeIdentities(8, 'value');
		contacts = [await fixtureCertificate('bob'), await fixtureCertificate('carol'), ...made.map(identity => identity.certificate)];
		// Legacy (alice) and RFC 9580 (carol) publishers, through an evening, midnight and the
		// small hours: prompt writes, refreshes, next-day slots.
		for (const [publisherIdentity, readers] of [[alice, contacts], [carol, [contacts[0]!, ...contacts.slice(2)]]] as const) {
			const time = new ManualTime(Date.parse('2026-03-10T20:00:00Z'));
			const registry = new TimedRegistry(time);
			const publisher = new Publisher({identity: publisherIdentity, registry, contacts: readers, onion: {address: onions.a, port: 4242}, clock: time, scheduler: time, promptWindowMs: 1000});
			publisher.start();
			for (let steps = 0; steps < 6 * 6; steps++) {
				time.advance(step);
				await publisher.whenIdle();
			}

			publisher.stop();
			registries.push(registry);
		}
	});

	const puts = () => registries.flatMap(registry => registry.puts);

	it('are DNS answer packets of one size that dns-packet parses, under the slot\'s name', () => {
		// 19 readers, each with a prompt write, a next-day write and a refresh at least every 50
		// minutes of the 6 hours (a 20-40 minute timer, seen in 10-minute steps): at least 171.
		assert.ok(puts().length >= 171, `${puts().length} values written`);
		for (const put of puts()) {
			assert.equal(put.value.length, registryValueBytes);
			assert.equal(parseWithDnsPacket(put.value, put.keyPair.publicKey).length, 689);
		}
	});

	it('carry seq = the publish time in µs, strictly increasing per slot, with no offset', () => {
		for (const registry of registries) {
			const last = new Map<string, number>();
			for (const [index, put] of registry.puts.entries()) {
				// Written at a whole millisecond within the 10-minute step that ends when it arrives (its
				// first millisecond included); a write in the same millisecond as the contact's last
				// adds a µs or two.
				const arrived = (registry.times[index] ?? 0) * 1000;
				assert.ok(put.seq >= arrived - step * 1000 && put.seq < arrived + 100 && put.seq % 1000 < 100, `seq ${put.seq} arrived at ${arrived} µs`);
				const slot = hex(put.keyPair.publicKey);
				assert.ok(put.seq > (last.get(slot) ?? -1), 'strictly increasing in its slot');
				last.set(slot, put.seq);
			}
		}
	});

	it('show no OpenPGP message and no length field beyond the framing', async () => {
		let records = 0;
		let headerHits = 0;
		let headerTrials = 0;
		let lengthHits = 0;
		let lengthTrials = 0;
		const counts = new Array<number>(256).fill(0);
		let bytes = 0;
		// An OpenPGP message starts with a PKESK: new-format tag 1 (0xC1) or old-format (0x84, 0x85).
		const pkeskTags = new Set([0xC1, 0x84, 0x85]);
		for (const put of puts()) {
			const payload = parseWithDnsPacket(put.value, put.keyPair.publicKey);
			for (const byte of payload) {
				counts[byte]!++;
			}

			bytes += payload.length;
			// Where a careless layout would put a header: at the start, after a length field, after the nonce, after both.
			for (const offset of [0, 2, 12, 14]) {
				headerTrials++;
				headerHits += pkeskTags.has(payload[offset] ?? -1) ? 1 : 0;
			}

			const unwrapped = unwrapValue({slot: {publicKey: put.keyPair.publicKey, valueKey: slotValueKey(put)}, value: put.value});
			if (unwrapped.ok) {
				records++;
				const sealed = Buffer.from(unwrapped.message);
				for (const offset of [0, 12]) {
					lengthTrials++;
					lengthHits += payload.readUInt16BE(offset) === sealed.length ? 1 : 0;
				}

				// Deterministic: no 16 bytes of the sealed message, nor its length with its first 6 bytes, appear anywhere.
				const lengthPrefixed = Buffer.concat([Buffer.from([sealed.length >> 8, sealed.length & 0xFF]), sealed.subarray(0, 6)]);
				assert.equal(Buffer.from(put.value).includes(sealed.subarray(0, 16)), false, 'the sealed message shows');
				assert.equal(Buffer.from(put.value).includes(lengthPrefixed), false, 'the length-prefixed message shows');
				assert.equal(sealed[0] !== undefined && pkeskTags.has(sealed[0]), true, 'the inner message is OpenPGP after all');
			}
		}

		assert.ok(records >= 150 && headerTrials >= 400 && lengthTrials >= 200, `${records} records`);
		// Uniform bytes hit a PKESK tag with probability 3/256 per trial; failing takes 10% of at
		// least 400 trials: P(Binomial(400, 3/256) >= 40) = 1.8e-24. A leaking layout hits every time.
		assert.ok(headerHits < headerTrials / 10, `${headerHits} of ${headerTrials} trials show a PKESK tag`);
		// A random uint16 equals the sealed length with probability 2^-16; failing takes 5% of at
		// least 200 trials: P(Binomial(200, 2^-16) >= 10) < 1e-40.
		assert.ok(lengthHits < lengthTrials / 20, `${lengthHits} of ${lengthTrials} trials show the length`);
		// Chi-square over byte values of all payloads (200 x 689 bytes and more: over 500 expected
		// per value, so the chi-square approximation holds). With 255 degrees of freedom,
		// P(X^2 > 415) = 9.1e-10 (scipy.stats.chi2.sf(415, 255)): the false-failure rate. Cleartext
		// OpenPGP framing or zero padding would push it into the thousands.
		const expected = bytes / 256;
		const chiSquare = counts.reduce((sum, count) => sum + ((count - expected) ** 2) / expected, 0);
		assert.ok(chiSquare < 415, `chi-square ${chiSquare.toFixed(1)} over ${bytes} bytes`);
	});

	/** The publisher does not hand out value keys; the test derives them from the seed it was given. */
	function slotValueKey(put: RegistryItem): Uint8Array {
		return slotOfSeed(put.keyPair.secretSeed).valueKey;
	}
});
