// What DHT nodes see: every datagram of a 20-node loopback swarm, captured at the sending
// socket (all swarm nodes and all participants' nodes), while A publishes for 10 contacts and
// they look A up, on two days. Checked: no fingerprint, key ID or onion address in any encoding;
// values of one size; slot targets of different days or pairs never coincide.
//
// Also checked, as today's truth rather than a promise: the direct DHT shows each node who sends
// a query (on loopback every sender is 127.0.0.1, so its port stands for its address): all of A's
// puts leave from A's one socket and each reader's gets from its own, so nodes that see both
// can link A's slots to one another and each reader to A (the default registry, relays over
// Tor, is there so that no node sees this). Every value is a DNS answer whose data shows no
// cleartext length field and no OpenPGP packet header.
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {pairSecret, type Identity} from '../../source/keys/index.js';
import {slotKeyPair, utcDay} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {decodeStrict} from '../../source/net/krpc-guard.js';
import type {Socket} from 'node:dgram';
import {startDhtSwarm, type Datagram, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {Publisher} from '../../source/engine/registry/publisher.js';
import {registryValueBytes} from '../../source/engine/registry/value.js';
import {decode as decodeDns} from 'dns-packet';
import {RegistryReader} from '../../source/engine/registry/reader.js';
import {fixtureIdentity} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';
import {makeIdentities, onions} from '../helpers/registry-helpers.js';

const base32 = (bytes: Uint8Array) => {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += alphabet[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}

	return bits > 0 ? out + alphabet[(value << (5 - bits)) & 31] : out;
};

/** Every spelling of some identifying bytes an observer could grep for. */
function encodings(raw: Buffer, extraText: string[] = []): Buffer[] {
	const texts = [raw.toString('hex'), raw.toString('hex').toUpperCase(), base32(raw), base32(raw).toLowerCase(), raw.toString('base64'), raw.toString('base64url'), ...extraText];
	return [raw, ...texts.map(text => Buffer.from(text, 'latin1'))];
}

type Message = {y?: Uint8Array; q?: Uint8Array; a?: {target?: Uint8Array; k?: Uint8Array; v?: Uint8Array}; r?: {v?: Uint8Array}};
const text = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('latin1') : '');

describe('what DHT nodes see of the registry', () => {
	let swarm: DhtSwarm;
	const captured: Array<Datagram & {phase: number}> = [];
	let phase = 0;
	const registries: DhtRegistry[] = [];
	/** The local port of each participant's DHT socket: alice, then the contacts in order. */
	const ports: number[] = [];
	let alice: Identity;
	let contacts: Identity[];
	const days = [utcDay(Date.parse('2026-03-20T12:00:00Z')), utcDay(Date.parse('2026-03-21T12:00:00Z'))];

	before(async () => {
		alice = await fixtureIdentity('alice');
		contacts = await makeIdentities(10, 'privacy');
		swarm = await startDhtSwarm({size: 20, capture: datagram => captured.push({...datagram, phase})});
	});

	after(async () => {
		await Promise.all(registries.map(registry => registry.close()));
		await swarm?.stop();
	});

	const joined = async (): Promise<{registry: DhtRegistry; socket: Socket}> => {
		const socket = swarm.createSocket();
		const registry = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', socket});
		registries.push(registry);
		await registry.start();
		return {registry, socket};
	};

	/** The slot's public key (a put's k) and target (a get's target), hex, of each pair and day. */
	const slots = () => days.flatMap(day => contacts.map((contact, index) => {
		const slot = slotKeyPair({pairSecret: pairSecret({own: alice, contact: contact.certificate}), publisher: alice.fingerprint, reader: contact.fingerprint, day});
		return {contact: index, day, key: Buffer.from(slot.publicKey).toString('hex'), target: Buffer.from(slot.target).toString('hex')};
	}));

	it('A publishes for 10 contacts on two days and each finds A both days', async () => {
		const aliceJoined = await joined();
		const contactsJoined = await Promise.all(contacts.map(async () => joined()));
		ports.push(...[aliceJoined, ...contactsJoined].map(({socket}) => socket.address().port));
		const aliceNet = aliceJoined.registry;
		const contactNets = contactsJoined.map(({registry}) => registry);
		for (const [index, day] of days.entries()) {
			phase = index + 1;
			const time = new ManualTime(day * 86_400_000 + 12 * 3_600_000);
			const publisher = new Publisher({identity: alice, registry: aliceNet, contacts: contacts.map(contact => contact.certificate), onion: {address: onions.a, port: 5555}, clock: time, scheduler: time, promptWindowMs: 1000});
			publisher.start();
			time.advance(1000);
			await publisher.whenIdle();
			publisher.stop();
			const found = await Promise.all(contacts.map(async (contact, position) =>
				new RegistryReader({identity: contact, registry: contactNets[position] ?? aliceNet, clock: time}).lookupContact(alice.certificate)));
			assert.deepEqual(found.map(address => address?.onion), contacts.map(() => onions.a));
			assert.ok(found.every(address => address?.day === day));
		}

		phase = 3;
		assert.ok(captured.length > 500, `captured ${captured.length} datagrams`);
	});

	it('carries no fingerprint, key ID or onion address in any encoding', () => {
		const needles: Array<{what: string; bytes: Buffer}> = [];
		for (const identity of [alice, ...contacts]) {
			const certificate = identity.certificate;
			for (const [what, hexId] of [['fingerprint', certificate.fingerprint], ['key ID', certificate.keyId], ['subkey fingerprint', certificate.encryptionKey.fingerprint], ['subkey ID', certificate.encryptionKey.keyId]] as const) {
				for (const bytes of encodings(Buffer.from(hexId, 'hex'))) {
					needles.push({what: `${what} ${hexId}`, bytes});
				}
			}
		}

		const onionBytes = Buffer.from(Buffer.from(onions.a.toUpperCase(), 'latin1'));
		const onionRaw = Buffer.alloc(35);
		// The raw 35 bytes behind the address (its base32 decoding), and the ed25519 key in it.
		let bits = 0;
		let value = 0;
		let offset = 0;
		for (const char of onions.a.toUpperCase()) {
			value = (value << 5) | 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(char);
			bits += 5;
			if (bits >= 8) {
				bits -= 8;
				onionRaw[offset++] = (value >> bits) & 0xFF;
			}
		}

		for (const bytes of [...encodings(onionRaw, [onions.a, `${onions.a}.onion`]), ...encodings(onionRaw.subarray(0, 32)), onionBytes]) {
			needles.push({what: 'onion address', bytes});
		}

		for (const datagram of captured) {
			for (const needle of needles) {
				assert.equal(datagram.bytes.includes(needle.bytes), false, `${needle.what} found in a datagram to ${datagram.to}`);
			}
		}
	});

	it('shows only values of one size', () => {
		const lengths = new Set<number>();
		let values = 0;
		for (const {bytes} of captured) {
			const message = decodeStrict(bytes) as Message | undefined;
			for (const v of [message?.a?.v, message?.r?.v]) {
				if (v) {
					values++;
					lengths.add(v.length);
				}
			}
		}

		assert.ok(values >= 2 * 2 * contacts.length, `saw ${values} values`);
		assert.deepEqual([...lengths], [registryValueBytes]);
	});

	it('shows, in every value, a DNS answer whose data has no cleartext length field or OpenPGP header', () => {
		let values = 0;
		let looksSealed = 0;
		for (const {bytes} of captured) {
			const message = decodeStrict(bytes) as Message | undefined;
			for (const v of [message?.a?.v, message?.r?.v]) {
				if (!v) {
					continue;
				}

				values++;
				// An independent decoder reads the one TXT answer; its data is nonce (12) || ciphertext.
				const [answer] = decodeDns(Buffer.from(v)).answers ?? [];
				assert.equal(answer?.type, 'TXT');
				const data = Buffer.concat((answer.data as Buffer[]));
				// Were the inner layer left unsealed, a uint16 length and a PKESK header (0xC1, then
				// version 3) would follow the nonce in every value; random bytes match by chance in 1 of 65,536.
				if (data[14] === 0xC1 && data[16] === 3) {
					looksSealed++;
				}
			}
		}

		assert.ok(values >= 2 * 2 * contacts.length, `saw ${values} values`);
		assert.ok(looksSealed <= 2, `${looksSealed} of ${values} values show an OpenPGP header where an unsealed layout puts it`);
	});

	it('shows where each query comes from: A\'s puts from A\'s one socket, each reader\'s gets from its own', () => {
		const all = slots();
		const byKey = new Map(all.map(slot => [slot.key, slot]));
		const byTarget = new Map(all.map(slot => [slot.target, slot]));
		const putSources = new Set<number>();
		const getSources = new Map<number, Set<number>>();
		/** Per receiving node and slot target: the senders of puts and gets it saw for that target. */
		const seenAtNode = new Map<string, {puts: Set<number>; gets: Set<number>}>();
		const at = (to: string, target: string) => {
			const key = `${to}/${target}`;
			let entry = seenAtNode.get(key);
			if (!entry) {
				entry = {puts: new Set(), gets: new Set()};
				seenAtNode.set(key, entry);
			}

			return entry;
		};

		for (const {bytes, from, to} of captured) {
			const message = decodeStrict(bytes) as Message | undefined;
			const query = text(message?.q);
			const put = query === 'put' && message?.a?.k ? byKey.get(Buffer.from(message.a.k).toString('hex')) : undefined;
			const get = query === 'get' && message?.a?.target ? byTarget.get(Buffer.from(message.a.target).toString('hex')) : undefined;
			if (put) {
				putSources.add(from);
				at(to, put.target).puts.add(from);
			}

			if (get) {
				const sources = getSources.get(get.contact) ?? new Set<number>();
				sources.add(from);
				getSources.set(get.contact, sources);
				at(to, get.target).gets.add(from);
			}
		}

		const [alicePort] = ports;
		assert.deepEqual([...putSources], [alicePort], 'every put of A\'s slots left from A\'s socket');
		for (const [index] of contacts.entries()) {
			// A gets each slot too, for the write tokens its put needs.
			assert.deepEqual([...getSources.get(index) ?? []].sort(), [alicePort, ports[index + 1]].sort(), `contact ${index}'s slots were got from A's socket and the contact's own only`);
		}

		// A node that stores a slot sees A put it and the reader get it: it links the two addresses.
		for (const slot of all) {
			const reader = ports[slot.contact + 1];
			const linking = [...seenAtNode.entries()].filter(([key, {puts, gets}]) => key.endsWith(`/${slot.target}`) && puts.has(alicePort ?? -1) && gets.has(reader ?? -1));
			assert.ok(linking.length > 0, `some node saw A put and contact ${slot.contact} get the slot of day ${slot.day}`);
		}
	});

	it('never shows one slot target on two days or for two pairs', () => {
		const targetsByPhase = new Map<number, Set<string>>([[1, new Set()], [2, new Set()]]);
		for (const {bytes, phase: seen} of captured) {
			const message = decodeStrict(bytes) as Message | undefined;
			const query = text(message?.q);
			const target = query === 'get' ? message?.a?.target : (query === 'put' && message?.a?.k ? createHash('sha1').update(message.a.k).digest() : undefined);
			if (target && targetsByPhase.has(seen)) {
				targetsByPhase.get(seen)?.add(Buffer.from(target).toString('hex'));
			}
		}

		const [first, second] = [targetsByPhase.get(1) ?? new Set<string>(), targetsByPhase.get(2) ?? new Set<string>()];
		assert.deepEqual([...first].filter(target => second.has(target)), [], 'a target seen on both days');
		// The capture really saw every pair's slot, and no two pairs share one.
		const bySlot = new Map<string, string>();
		for (const [index, day] of days.entries()) {
			for (const contact of contacts) {
				const slot = slotKeyPair({pairSecret: pairSecret({own: alice, contact: contact.certificate}), publisher: alice.fingerprint, reader: contact.fingerprint, day});
				const target = Buffer.from(slot.target).toString('hex');
				assert.ok((index === 0 ? first : second).has(target), 'the slot appears in the capture');
				assert.equal(bySlot.has(target), false);
				bySlot.set(target, `${contact.fingerprint}/${day}`);
			}
		}
	});
});
