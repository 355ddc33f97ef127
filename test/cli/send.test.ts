// umbra send as users run it (the built CLI) on the private Tor network: exit 0 once the contact
// acknowledged the message, and exit 7 with the reason when the contact never comes online.
import {strict as assert} from 'node:assert';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startCli, type CliProcess} from '../bot/cli-process.js';
import {fixtureCertificate, makeProfile, startPeer, type Peer} from '../bot/peer.js';
import {useTestNetwork} from '../helpers/network.js';

const phaseMs = 120_000;

test('umbra send exits 0 after delivery and 7 with a clear reason when the contact never comes online', {timeout: 4 * phaseMs}, async t => {
	const network = useTestNetwork();
	const [peerClient, senderClient] = network.clients;
	assert.ok(peerClient && senderClient);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-send-'));
	const state: {swarm?: DhtSwarm; peer?: Peer; cli: CliProcess[]} = {cli: []};
	t.after(async () => {
		for (const cli of state.cli) {
			cli.kill();
		}

		await state.peer?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	const [alice, bob, carol] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob'), fixtureCertificate('carol')]);
	state.swarm = await startDhtSwarm({size: 20});
	const dataDir = join(directory, 'alice');
	const passphraseFile = await makeProfile(dataDir, 'alice', [{name: 'bob', certificate: bob}, {name: 'carol', certificate: carol}]);
	state.peer = await startPeer({name: 'bob', contacts: [{name: 'alice', certificate: alice}], directory, client: peerClient, bootstrap: state.swarm.bootstrap});
	const common = ['--data-dir', dataDir, '--passphrase-file', passphraseFile, '--tor-control', String(senderClient.controlPort), '--tor-socks', String(senderClient.socksPort), ...state.swarm.bootstrap.flatMap(node => ['--dht-bootstrap', node])];
	const env = {PATH: process.env['PATH'] ?? '', HOME: directory};

	const started = Date.now();
	const delivered = startCli(['send', '--to', 'bob', '--timeout', '100', ...common, 'hello', 'from', 'send'], {env});
	state.cli.push(delivered);
	const result = await delivered.exited;
	assert.deepEqual(result, {code: exitCodes.ok, signal: null}, delivered.stderr());
	t.diagnostic(`delivered in ${Date.now() - started} ms`);
	const received = state.peer.events.filter(event => event.type === 'message.received');
	assert.equal(received.length, 1);
	assert.equal(received[0]?.type === 'message.received' && received[0].message.body, 'hello from send');

	// carol has no engine running: she never comes online.
	const undelivered = startCli(['send', '--to', 'carol', '--timeout', '8', ...common], {env});
	state.cli.push(undelivered);
	undelivered.child.stdin.end('are you there?\n');
	const failedAt = Date.now();
	const failed = await undelivered.exited;
	t.diagnostic(`gave up after ${Date.now() - failedAt} ms`);
	assert.equal(failed.code, exitCodes.notDelivered, undelivered.stderr());
	assert.match(undelivered.stderr(), /not delivered to carol: carol did not come online within 8 s.*stays queued/s);

	const unknown = startCli(['send', '--to', 'dave', 'hi', ...common], {env});
	state.cli.push(unknown);
	assert.equal((await unknown.exited).code, exitCodes.notFound);
	assert.match(unknown.stderr(), /no contact named "dave"/);
});
