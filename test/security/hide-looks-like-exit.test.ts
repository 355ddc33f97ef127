// Attack story: Bob wants to know whether Alice hid from him or just went offline. He keeps what
// a contact has: her address from their slot, his key, the slot itself. He opens a stream to her
// onion and holds it at hs0; then she either hides from him or exits umbra, and he answers with
// a valid hs1 on the held stream, dials the old address again and again until it stops answering,
// and reads their slot's raw item. Both times he must see the same thing: no hs2 on the held
// stream, no hs0 on any new stream, the address gone within about the time an exit takes, and the
// slot still holding the last record, byte for byte, at the same seq (no decoy).
import {strict as assert} from 'node:assert';
import {randomBytes} from 'node:crypto';
import type {Socket} from 'node:net';
import {test} from 'node:test';
import {handleHandshake, keysHandshakeCrypto, startDialer, type EngineEvent, type HandshakeStep} from '../../source/engine/index.js';
import type {Certificate} from '../../source/keys/index.js';
import {dialSocks, dialWithRetry} from '../../source/net/socks.js';
import type {LookupResult} from '../../source/net/registry.js';
import {fixtureCertificate, fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {offline, online, startWorld, type Party, type World} from '../helpers/parties.js';

/** What one stream to the old address showed Bob. */
type StreamOutcome = 'unreachable' | 'closed-before-hs0' | 'closed-after-hs0' | 'hs2';
type Observed = {held: StreamOutcome; dials: StreamOutcome[]; goneAfterMs: number; goneWith: string; slotBefore: LookupResult; slotAfter: LookupResult | undefined};

type Prober = {crypto: ReturnType<typeof keysHandshakeCrypto>; alice: Certificate; socksPort: number};

/**
 * Runs Bob's side of the handshake on an open stream (`received`: what it already read): answers
 * hs0 with a valid hs1 and reports whether a signed hs2 came back before the stream closed.
 */
async function handshake(prober: Prober, socket: Socket, onion: string, received: Buffer[] = []): Promise<StreamOutcome> {
	let step: HandshakeStep<Certificate> = startDialer({crypto: prober.crypto, random: length => new Uint8Array(randomBytes(length)), contact: prober.alice, onion}, Date.now());
	let sawBytes = false;
	let chain = Promise.resolve();
	return new Promise<StreamOutcome>((resolve, reject) => {
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('the stream neither closed nor completed the handshake in 60 s'));
		}, 60_000);
		const finish = (outcome: StreamOutcome) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(outcome);
		};

		const onData = (chunk: Buffer) => {
			sawBytes = true;
			chain = chain.then(async () => {
				step = await handleHandshake(step.state, {type: 'data', bytes: new Uint8Array(chunk), now: Date.now()});
				for (const reply of step.replies) {
					if (reply.type === 'write') {
						socket.write(reply.bytes);
					}
				}

				if (step.events.some(event => event.type === 'established')) {
					finish('hs2');
				}
			});
		};

		for (const chunk of received) {
			onData(chunk);
		}

		socket.on('data', onData);
		socket.resume();
		socket.on('error', () => undefined);
		socket.on('close', () => {
			void chain.then(() => {
				finish(sawBytes ? 'closed-after-hs0' : 'closed-before-hs0');
			});
		});
	});
}

/** A stream to the onion that has received hs0 and not answered yet. */
async function holdStream(prober: Prober, onion: string): Promise<{socket: Socket; hs0: Buffer[]}> {
	const socket = await dialWithRetry({proxy: {host: '127.0.0.1', port: prober.socksPort}, destination: {host: `${onion}.onion`, port: 80}, isolation: {username: `held-${Date.now()}`, password: 'x'}, overallTimeoutMs: 90_000});
	const hs0: Buffer[] = [];
	await new Promise<void>((resolve, reject) => {
		const onData = (chunk: Buffer) => {
			hs0.push(chunk);
			if (Buffer.concat(hs0).length >= 36) {
				socket.off('data', onData);
				socket.pause();
				resolve();
			}
		};

		socket.on('data', onData);
		socket.once('close', () => {
			reject(new Error('the held stream closed before hs0'));
		});
	});
	return {socket, hs0};
}

/** One new dial to the onion, as far as Bob can take it (and tor's reason when it fails). */
async function dialOnce(prober: Prober, onion: string, attempt: number): Promise<{outcome: StreamOutcome; reason?: string}> {
	let socket: Socket;
	try {
		socket = await dialSocks({proxy: {host: '127.0.0.1', port: prober.socksPort}, destination: {host: `${onion}.onion`, port: 80}, isolation: {username: `dial-${attempt}-${Date.now()}`, password: 'x'}, timeoutMs: 30_000});
	} catch (error) {
		return {outcome: 'unreachable', reason: (error as Error).message.replaceAll(onion, '<onion>')};
	}

	return {outcome: await handshake(prober, socket, `${onion}.onion`)};
}

/** Bob holds a stream, `event` happens at Alice, and Bob looks at everything he can. */
async function observe(world: World, prober: Prober, alice: Party, bob: Party, event: () => Promise<void>): Promise<Observed> {
	const address = await world.read('bob', 'alice');
	const slotBefore = await world.slot('bob', 'alice');
	assert.ok(address && slotBefore, 'Bob reads Alice\'s address from their slot before');
	const held = await holdStream(prober, address.onion);
	const bobMark = bob.events.length;
	const startedAt = Date.now();
	const happened = event();
	const heldOutcome = handshake(prober, held.socket, `${address.onion}.onion`, held.hs0);
	const dials: StreamOutcome[] = [];
	let goneAfterMs = 0;
	let goneWith = '';
	for (let attempt = 0; dials.at(-1) !== 'unreachable'; attempt++) {
		assert.ok(Date.now() - startedAt < 120_000, `the old address still answers after 120 s: ${dials.join(', ')}`);
		// A dial that fails may take long (tor tries the introduction points it knew): its start counts.
		goneAfterMs = Date.now() - startedAt;
		const dial = await dialOnce(prober, address.onion, attempt);
		dials.push(dial.outcome);
		goneWith = dial.reason ?? '';
	}

	await happened;
	await bob.waitFor('alice offline', offline(alice.fingerprint), {from: bobMark});
	assert.equal(bob.events.slice(bobMark).filter(online(alice.fingerprint)).length, 0, 'Bob\'s engine never saw Alice online again');
	return {held: await heldOutcome, dials, goneAfterMs, goneWith, slotBefore, slotAfter: await world.slot('bob', 'alice')};
}

const hex = (item: LookupResult | undefined) => item && {value: Buffer.from(item.value).toString('hex'), seq: item.seq};

test('a contact Alice hides from sees what he sees when she exits: no hs2, no hs0, the address gone as fast, the stale record', {timeout: 900_000}, async t => {
	const world = await startWorld(t, useTestNetwork(), 'hide-exit');
	const [alice, bob, carol] = await Promise.all([
		world.party('alice', ['bob', 'carol'], world.first),
		world.party('bob', ['alice'], world.second),
		world.party('carol', ['alice'], world.first),
	]);
	const prober: Prober = {crypto: keysHandshakeCrypto(await fixtureIdentity('bob')), alice: await fixtureCertificate('alice'), socksPort: world.second.socksPort};
	const publishedForBob = (event: EngineEvent) => event.type === 'registry.published' && event.contact === bob.fingerprint && event.ok;
	await Promise.all([
		bob.waitFor('alice online', online(alice.fingerprint)),
		carol.waitFor('alice online', online(alice.fingerprint)),
		alice.waitFor('published for bob', publishedForBob),
	]);

	const hidden = await observe(world, prober, alice, bob, async () => alice.engine.hide(bob.fingerprint));
	t.diagnostic(`after the hide: held stream ${hidden.held}; dials ${hidden.dials.join(', ')}; gone after ${hidden.goneAfterMs} ms (${hidden.goneWith})`);

	// Shown again: Bob finds her new address; then she exits.
	const showMark = alice.events.length;
	const bobShowMark = bob.events.length;
	await alice.engine.show(bob.fingerprint);
	await Promise.all([
		bob.waitFor('alice online after the show', online(alice.fingerprint), {from: bobShowMark}),
		alice.waitFor('published for bob after the show', publishedForBob, {from: showMark}),
	]);
	const exited = await observe(world, prober, alice, bob, async () => alice.engine.stop());
	t.diagnostic(`after the exit: held stream ${exited.held}; dials ${exited.dials.join(', ')}; gone after ${exited.goneAfterMs} ms (${exited.goneWith})`);

	for (const [name, seen] of [['exit', exited], ['hide', hidden]] as const) {
		assert.notEqual(seen.held, 'hs2', `after the ${name}, the stream Bob held got no signed hs2`);
		assert.deepEqual(seen.dials.filter(outcome => outcome !== 'unreachable' && outcome !== 'closed-before-hs0'), [], `after the ${name}, no new stream got as far as hs0`);
		assert.deepEqual(hex(seen.slotAfter), hex(seen.slotBefore), `after the ${name}, the slot holds the last record as it was (same bytes, same seq)`);
	}

	assert.ok(hidden.goneAfterMs <= exited.goneAfterMs + 5000, `the old address went ${hidden.goneAfterMs} ms after the hide, ${exited.goneAfterMs} ms after the exit`);
});
