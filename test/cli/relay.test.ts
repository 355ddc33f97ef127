// `umbra relay` as users run it (the built CLI): on a loopback TCP port in front of a loopback
// DHT swarm, umbra's relay client stores and finds an item through it and a direct DHT read
// sees it; SIGTERM ends it with exit 0 and a counts line that holds no key; a bad command line
// is exit 2.
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {RelayRegistry} from '../../source/net/relay-registry.js';
import {zBase32Encode} from '../../source/net/z-base32.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startCli} from '../bot/cli-process.js';
import {startSocksForwarder, type SocksForwarder} from '../helpers/socks-forwarder.js';
import {runUmbra} from './run-umbra.js';

describe('umbra relay', () => {
	let swarm: DhtSwarm;
	let socks: SocksForwarder;
	const directory = mkdtempSync(join(tmpdir(), 'umbra-relay-cli-'));

	before(async () => {
		swarm = await startDhtSwarm({size: 16});
		socks = await startSocksForwarder();
	});
	after(async () => {
		await socks.close();
		await swarm.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	it('serves the relay API on --listen, stores onto the DHT, and stops on SIGTERM with exit 0 and counts only', async () => {
		const relay = startCli(['relay', '--no-onion', '--listen', '127.0.0.1:0', '--data-dir', directory, ...swarm.bootstrap.flatMap(node => ['--dht-bootstrap', node])]);
		try {
			const url = await relay.waitForLine('the listener URL', line => line.startsWith('http://127.0.0.1:'), 30_000);
			const client = new RelayRegistry({relays: [url], socks: () => socks.endpoint, requestTimeoutMs: 30_000});
			const secretSeed = new Uint8Array(randomBytes(32));
			const owner = {publicKey: ed25519PublicKey(secretSeed), secretSeed};
			const value = new Uint8Array(randomBytes(500));
			assert.ok((await client.publish({keyPair: owner, value, seq: 42})).stored >= 1);
			assert.deepEqual(await client.lookup(owner.publicKey), {value, seq: 42});
			const reader = new DhtRegistry({bootstrap: swarm.bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
			await reader.start();
			try {
				assert.deepEqual(await reader.lookup(owner.publicKey), {value, seq: 42});
			} finally {
				await reader.close();
			}

			relay.child.kill('SIGTERM');
			const {code} = await relay.exited;
			assert.equal(code, 0, relay.stderr());
			assert.match(relay.stderr(), /1 PUT \(1 stored, 0 older, 0 busy, 0 failed\), 1 GET \(1 found, 0 not found\)/);
			const key = zBase32Encode(owner.publicKey);
			assert.ok(!relay.stderr().includes(key) && !relay.stderr().includes(Buffer.from(owner.publicKey).toString('hex')), 'no key in the log');
		} finally {
			relay.kill();
		}
	});

	it('refuses a command line that serves nothing, or a malformed --listen, with exit 2', async () => {
		const nothing = await runUmbra(['relay', '--no-onion', '--data-dir', directory]);
		assert.equal(nothing.code, 2);
		assert.match(nothing.stderr, /--listen HOST:PORT/);
		const malformed = await runUmbra(['relay', '--no-onion', '--listen', 'nowhere', '--data-dir', directory]);
		assert.equal(malformed.code, 2);
		assert.match(malformed.stderr, /write HOST:PORT/);
	});
});
