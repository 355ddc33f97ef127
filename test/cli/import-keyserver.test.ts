// umbra import KEYID through Tor: Debian sks on loopback, published as an onion service by the
// private network's first client, reached through the second client's SOCKS port (the test
// relays refuse exit traffic, so the onion is the only way there). Also: nothing answering on
// the SOCKS port is a Tor problem with its own exit code, not "key not found".
//
//   node --import tsx scripts/test.ts test/cli/import-keyserver.test.ts
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {startSks, type SksServer} from '../../source/net/testnet/sks.js';
import type {TorControl} from '../../source/net/tor-control.js';
import * as openpgp from 'openpgp';
import {fixtureCertificate, fixtureIdentity, fixtureText} from '../helpers/key-fixtures.js';
import {connectClientControl, useTestNetwork} from '../helpers/network.js';
import {runUmbra, temporaryFolder} from './run-umbra.js';
import {closedPort} from '../helpers/ports.js';

const env = {UMBRA_PASSPHRASE: 'keyserver test passphrase'};

describe('umbra import KEYID from sks behind an onion, through Tor', () => {
	const folder = temporaryFolder('keyserver');
	const dataDir = join(folder.path, 'data');
	let sks: SksServer | undefined;
	let control: TorControl | undefined;
	let serviceId = '';
	let socksPort = 0;

	before(async () => {
		const network = useTestNetwork();
		const [host, client] = network.clients;
		assert.ok(host && client, 'the test network needs two clients');
		socksPort = client.socksPort;
		const made = runUmbra(['init', '--user-id', 'Keyserver Tester', '--data-dir', dataDir], {env});
		sks = await startSks();
		await sks.addKey(fixtureText('alice.pub.asc'));
		control = await connectClientControl(host);
		({serviceId} = await control.addOnion({virtualPort: 11_371, targetPort: sks.port, targetHost: '127.0.0.1'}));
		await control.waitForDescriptorUpload(serviceId, {all: true, timeoutMs: 60_000});
		assert.equal((await made).code, exitCodes.ok);
	});

	after(async () => {
		if (control && serviceId) {
			await control.delOnion(serviceId).catch(() => {});
		}

		await control?.close();
		await sks?.stop();
		folder.remove();
	});

	it('finds the key by its long key ID and adds it; a key sks lacks is not found', async () => {
		const alice = await fixtureCertificate('alice');
		const keyserver = `hkp://${serviceId}.onion:11371`;
		const common = ['--keyserver', keyserver, '--tor-socks', String(socksPort), '--yes', '--data-dir', dataDir];
		const started = Date.now();
		const imported = await runUmbra(['import', alice.keyId, ...common], {env, timeoutMs: 90_000});
		console.log(`umbra import through the onion keyserver took ${Date.now() - started} ms`);
		assert.equal(imported.code, exitCodes.ok, imported.stderr);
		assert.match(imported.stdout, new RegExp(`^Added Alice \\(key ID ${alice.keyId}\\)\\.$`, 'm'));
		assert.ok(imported.stderr.includes(`Found on ${keyserver}`), imported.stderr);

		const missing = await runUmbra(['import', '0123456789ABCDEF', ...common], {env, timeoutMs: 90_000});
		assert.equal(missing.code, exitCodes.notFound, missing.stderr);
		assert.match(missing.stderr, /Could not get the key 0123456789ABCDEF .*not found/);

		const listed = await runUmbra(['contacts', '--data-dir', dataDir], {env});
		assert.match(listed.stdout, new RegExp(`^Alice +${alice.fingerprint.match(/.{4}/g)!.join(' ')} +${alice.keyId}$`, 'm'));
	});

	it('importing a contact\'s key ID again refreshes it: the revocation on the keyserver is merged and reported', async () => {
		const alice = await fixtureCertificate('alice');
		const {publicKey: revoked} = await openpgp.revokeKey({key: (await fixtureIdentity('alice')).privateKey, format: 'object'});
		await sks!.addKey(revoked.armor());
		const common = ['--keyserver', `hkp://${serviceId}.onion:11371`, '--tor-socks', String(socksPort), '--yes', '--data-dir', dataDir];
		const refreshed = await runUmbra(['import', alice.fingerprint, ...common], {env, timeoutMs: 90_000});
		assert.equal(refreshed.code, exitCodes.ok, refreshed.stderr);
		assert.match(refreshed.stdout, /^ {2}Alice's key was revoked by its owner/m);
		const listed = await runUmbra(['contacts', '--data-dir', dataDir], {env});
		assert.match(listed.stdout, /^Alice .* key revoked$/m);
	});

	it('says Tor is not there (exit 6) when nothing answers on the SOCKS port', async () => {
		const port = await closedPort();
		const result = await runUmbra(['import', '0123456789ABCDEF', '--keyserver', `hkp://${serviceId}.onion:11371`, '--tor-socks', String(port), '--yes', '--data-dir', dataDir], {env});
		assert.equal(result.code, exitCodes.torUnreachable, result.stderr);
		assert.match(result.stderr, new RegExp(`Nothing answers on Tor's SOCKS port 127\\.0\\.0\\.1:${port}`));
	});
});
