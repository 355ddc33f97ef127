// A tor that never bootstraps (a real tor with DisableNetwork 1: it answers on its control port
// and stays at its first bootstrap phase, as a tor without a network does): `umbra status` and
// `umbra send` give up at --timeout, say that the user's own Tor is stuck and where, and exit
// with Tor's code; send does not blame the contact. (That tor has no SOCKS port: --tor-socks
// names one, never dialed, as nothing is dialed before tor is ready.)
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {readCertificates} from '../../source/engine/index.js';
import {spawnTor, type SpawnedTor} from '../../source/net/own-tor.js';
import {makeProfile} from '../bot/peer.js';
import {fixtureText} from '../helpers/key-fixtures.js';
import {runUmbra, temporaryFolder} from './run-umbra.js';

describe('a tor that does not bootstrap', () => {
	const folder = temporaryFolder('tor-not-ready');
	const dataDir = join(folder.path, 'alice');
	let tor: SpawnedTor | undefined;
	let passphraseFile = '';
	before(async () => {
		tor = await spawnTor({controlSocket: false});
		const {certificates: [bob]} = await readCertificates(fixtureText('bob.pub.asc'));
		assert.ok(bob);
		passphraseFile = await makeProfile(dataDir, 'alice', [{name: 'Bob', certificate: bob}]);
	});
	after(async () => {
		await tor?.stop();
		folder.remove();
	});

	const common = () => ['--data-dir', dataDir, '--passphrase-file', passphraseFile, '--tor-control', String(tor!.controlPort), '--tor-socks', '127.0.0.1:9', '--timeout', '3'];

	it('umbra status stops at --timeout and names the bootstrap phase', async () => {
		const started = Date.now();
		// The deadline is far above --timeout: a status that waits for tor without end fails here.
		const result = await runUmbra(['status', ...common()], {timeoutMs: 30_000});
		assert.equal(result.code, exitCodes.torUnreachable, result.stdout + result.stderr);
		assert.match(result.stdout, /^FAIL +tor +not ready within 3 s: tor started but its bootstrap stopped at \d+ %/m);
		assert.match(result.stderr, /umbra status: tor bootstrap \d+ %/, 'progress shows while it waits');
		assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
	});

	it('umbra send says Tor is not ready, not that the contact is offline', async () => {
		const result = await runUmbra(['send', '--to', 'Bob', 'hello', ...common()], {timeoutMs: 30_000});
		assert.equal(result.code, exitCodes.torUnreachable, result.stderr);
		assert.match(result.stderr, /Tor was not ready within 3 s: tor started but its bootstrap stopped at \d+ %/);
		assert.doesNotMatch(result.stderr, /did not come online/);
	});
});
