// The keyserver client through the private Tor network: Debian sks on loopback, published as an
// onion service by client 1, fetched through client 2's SOCKS port. The relays refuse exit
// traffic, so the onion is the only way the request can reach sks through Tor.
//
//   node --import tsx scripts/test.ts test/keys/keyserver-onion.test.ts
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {parseKeyQuery} from '../../source/keys/index.js';
import {dialThroughTor, fetchCertificate, KeyserverLookupError, type KeyserverDial} from '../../source/keys/keyserver.js';
import {startSks, type SksServer} from '../../source/net/testnet/sks.js';
import type {TorControl} from '../../source/net/tor-control.js';
import {makeKey} from '../helpers/key-fixtures.js';
import {connectClientControl, useTestNetwork} from '../helpers/network.js';

describe('fetchCertificate from sks as an onion service', () => {
	let sks: SksServer | undefined;
	let control: TorControl | undefined;
	let serviceId = '';
	let dial: KeyserverDial | undefined;

	before(async () => {
		const network = useTestNetwork();
		const [host, client] = network.clients;
		assert.ok(host && client, 'the test network needs two clients');
		sks = await startSks();
		control = await connectClientControl(host);
		({serviceId} = await control.addOnion({virtualPort: 11_371, targetPort: sks.port, targetHost: '127.0.0.1'}));
		await control.waitForDescriptorUpload(serviceId, {all: true, timeoutMs: 60_000});
		// The production dialer: client 2's SOCKS port, fresh isolation credentials per lookup.
		dial = dialThroughTor({host: '127.0.0.1', port: client.socksPort});
	});

	after(async () => {
		if (control && serviceId) {
			await control.delOnion(serviceId).catch(() => {});
		}

		await control?.close();
		await sks?.stop();
	});

	it('finds a key added to sks, by key ID and by fingerprint, through Tor', async () => {
		assert.ok(sks && dial);
		const key = (await makeKey({name: 'Onion', date: new Date(Date.now() - 60_000)})).toPublic();
		await sks.addKey(key.armor());
		const fingerprint = key.getFingerprint().toUpperCase();
		const keyserver = `hkp://${serviceId}.onion:11371`;
		for (const query of [parseKeyQuery(fingerprint.slice(-16)), parseKeyQuery(fingerprint)]) {
			const started = Date.now();
			const result = await fetchCertificate({query, keyservers: [keyserver], dial, timeoutMs: 60_000});
			console.log(`onion keyserver lookup took ${Date.now() - started} ms`);
			assert.equal(result.certificate.fingerprint, fingerprint);
			assert.equal(result.keyserver, keyserver);
		}
	});

	it('reports a missing key as not found through Tor as well', async () => {
		assert.ok(dial);
		await assert.rejects(
			fetchCertificate({query: parseKeyQuery('0123456789ABCDEF'), keyservers: [`hkp://${serviceId}.onion:11371`], dial, timeoutMs: 60_000}),
			(error: unknown) => error instanceof KeyserverLookupError && error.notFound,
		);
	});
});
