// OpenPGP operations per second, as the protocol uses them, against what the same asymmetric
// work costs with raw node:crypto (Ed25519 sign/verify, X25519 key generation and agreement):
// the floor is the protocol without OpenPGP's packet handling and its JavaScript curve code.
//
// - record create: sealRecord (sign + encrypt to the reader + seal into the slot's value). Floor: 1 sign, 1 X25519
//   key pair, 1 X25519 agreement.
// - record open: unwrap + open (decrypt + verify) + decode, what the reader does per value.
//   Floor: 1 X25519 agreement, 1 verify.
// - handshake: dialer and listener with real keys through the sans-IO core (hs0, hs1, hs2 and
//   the session keys). Floor: 2 creates + 2 opens + 2 ephemeral key pairs and agreements + 2
//   pair-secret agreements.
//
//   node --import tsx bench/crypto.bench.ts
import {diffieHellman, generateKeyPairSync, sign, verify, type KeyObject} from 'node:crypto';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {ReplayCache, decodeRecord, keysHandshakeCrypto, sealRecord, unwrapValue} from '../source/engine/index.js';
import {open, pairSecret, type Certificate, type Identity} from '../source/keys/index.js';
import {slotKeyPair} from '../source/keys/slot.js';
import {fixtureCertificate, fixtureIdentity} from '../test/helpers/key-fixtures.js';
import {runHandshake} from '../test/helpers/session-harness.js';
import {markdownTable, pairedRow, type BenchRow, type Pair} from './stats.js';

const onion = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid';

type RawKeys = {ed: {publicKey: KeyObject; privateKey: KeyObject}; x: {publicKey: KeyObject; privateKey: KeyObject}};

function rawKeys(): RawKeys {
	return {ed: generateKeyPairSync('ed25519'), x: generateKeyPairSync('x25519')};
}

const message = Buffer.alloc(105, 7);

/** What sealing costs without OpenPGP: sign, then an ephemeral X25519 agreement with the reader. */
function rawCreate(self: RawKeys, peer: RawKeys): Buffer {
	const signature = sign(null, message, self.ed.privateKey);
	const ephemeral = generateKeyPairSync('x25519');
	diffieHellman({privateKey: ephemeral.privateKey, publicKey: peer.x.publicKey});
	return signature;
}

function rawOpen(self: RawKeys, peer: RawKeys, signature: Buffer): void {
	diffieHellman({privateKey: self.x.privateKey, publicKey: peer.x.publicKey});
	if (!verify(null, message, peer.ed.publicKey, signature)) {
		throw new Error('raw verify failed');
	}
}

function rawHandshake(a: RawKeys, b: RawKeys): void {
	rawOpen(b, a, rawCreate(a, b));
	rawOpen(a, b, rawCreate(b, a));
	for (const [self, peer] of [[a, b], [b, a]] as const) {
		const ephemeral = generateKeyPairSync('x25519');
		diffieHellman({privateKey: ephemeral.privateKey, publicKey: peer.x.publicKey});
		diffieHellman({privateKey: self.x.privateKey, publicKey: peer.x.publicKey});
	}
}

/** Operations per second over `count` sequential operations. */
async function rate(count: number, operation: (index: number) => Promise<unknown> | unknown): Promise<number> {
	const start = performance.now();
	for (let index = 0; index < count; index++) {
		await operation(index);
	}

	return count / ((performance.now() - start) / 1000);
}

async function handshake(alice: Identity, bob: Identity, aliceCert: Certificate, bobCert: Certificate): Promise<void> {
	const random = (length: number) => new Uint8Array(globalThis.crypto.getRandomValues(new Uint8Array(length)));
	const run = await runHandshake<Certificate>({
		dialer: {crypto: keysHandshakeCrypto(alice), random, contact: bobCert, onion: `${onion}.onion`},
		listener: {crypto: keysHandshakeCrypto(bob), random, senders: () => [aliceCert], localOnions: [`${onion}.onion`], replayCache: new ReplayCache()},
		now: Date.now(),
	});
	if (!run.dialerSession || !run.listenerSession) {
		throw new Error(`bench handshake failed: ${JSON.stringify([...run.dialer, ...run.listener].filter(event => event.type !== 'established'))}`);
	}
}

export async function run(options: {runs?: number; records?: number; handshakes?: number} = {}): Promise<BenchRow[]> {
	const {runs = 5, records = 100, handshakes = 20} = options;
	const [alice, bob, aliceCert, bobCert] = await Promise.all([fixtureIdentity('alice'), fixtureIdentity('bob'), fixtureCertificate('alice'), fixtureCertificate('bob')]);
	const [rawA, rawB] = [rawKeys(), rawKeys()];
	const now = Date.now();
	const record = {reader: bob.fingerprint, day: Math.floor(now / 86_400_000), onion, port: 80, issuedAt: now, expiresAt: now + 86_400_000};
	const slot = slotKeyPair({pairSecret: pairSecret({own: alice, contact: bobCert}), publisher: alice.fingerprint, reader: bob.fingerprint, day: record.day});
	const create = async () => sealRecord({record, signer: alice, recipient: bobCert, slot});
	const sealed = await Promise.all(Array.from({length: records}, create));
	const openOne = async (index: number) => {
		const unwrapped = unwrapValue({slot, value: sealed[index]!});
		const result = unwrapped.ok ? await open({sealed: unwrapped.message, recipient: bob, senders: [aliceCert]}) : undefined;
		if (!result?.ok || !decodeRecord(result.plaintext)) {
			throw new Error('bench record did not open');
		}
	};

	const rawSignatures = Array.from({length: records}, () => rawCreate(rawA, rawB));
	// One of each first, so no run pays for module loading and JIT warm-up alone.
	await create();
	await openOne(0);
	await handshake(alice, bob, aliceCert, bobCert);
	const pairs: Record<'create' | 'open' | 'handshake', Pair[]> = {create: [], open: [], handshake: []};
	for (let index = 0; index < runs; index++) {
		pairs.create.push({value: await rate(records, create), floor: await rate(records, () => rawCreate(rawA, rawB))});
		pairs.open.push({value: await rate(records, openOne), floor: await rate(records, i => rawOpen(rawB, rawA, rawSignatures[i]!))});
		pairs.handshake.push({value: await rate(handshakes, async () => handshake(alice, bob, aliceCert, bobCert)), floor: await rate(handshakes, () => rawHandshake(rawA, rawB))});
	}

	const floorName = 'raw node:crypto Ed25519 + X25519, same count';
	return [
		pairedRow({name: `record create (seal + sign + frame), ${records} per run`, unit: 'ops/s', floorName, pairs: pairs.create, rate: true}),
		pairedRow({name: `record open (decrypt + verify + decode), ${records} per run`, unit: 'ops/s', floorName, pairs: pairs.open, rate: true}),
		pairedRow({name: `handshake, dialer + listener, real keys, ${handshakes} per run`, unit: 'ops/s', floorName, pairs: pairs.handshake, rate: true}),
	];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	console.log(markdownTable((await run()).map(row => ({bench: 'openpgp', ...row}))));
}
