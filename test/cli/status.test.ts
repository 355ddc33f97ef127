// umbra status (the built CLI) against the private Tor network and a loopback DHT swarm: all
// checks pass there; a dead control port, a non-SOCKS port and a wrong passphrase each fail
// with what to fix and the matching exit code.
import {strict as assert} from 'node:assert';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startCli, type CliProcess} from '../bot/cli-process.js';
import {makeProfile} from '../bot/peer.js';
import {useTestNetwork} from '../helpers/network.js';
import {closedPort} from '../helpers/ports.js';

test('umbra status passes on a working setup and names what to fix otherwise', {timeout: 300_000}, async t => {
	const network = useTestNetwork();
	const [client] = network.clients;
	assert.ok(client);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-status-'));
	const state: {swarm?: DhtSwarm; cli: CliProcess[]; silent?: Server} = {cli: []};
	t.after(async () => {
		for (const cli of state.cli) {
			cli.kill();
		}

		state.silent?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	state.swarm = await startDhtSwarm({size: 8});
	const dataDir = join(directory, 'alice');
	const passphraseFile = await makeProfile(dataDir, 'alice', []);
	const env = {PATH: process.env['PATH'] ?? '', HOME: directory};
	const run = async (args: string[]) => {
		const cli = startCli(['status', '--data-dir', dataDir, '--timeout', '60', ...state.swarm!.bootstrap.flatMap(node => ['--dht-bootstrap', node]), ...args], {env});
		state.cli.push(cli);
		const {code} = await cli.exited;
		return {code, out: cli.lines.join('\n'), err: cli.stderr()};
	};

	const good = await run(['--passphrase-file', passphraseFile, '--tor-control', String(client.controlPort), '--tor-socks', String(client.socksPort)]);
	assert.equal(good.code, exitCodes.ok, `${good.out}\n${good.err}`);
	for (const name of ['store', 'tor', 'socks', 'registry', 'dht']) {
		assert.match(good.out, new RegExp(`^ok +${name} `, 'm'));
	}

	assert.match(good.out, /^ok +registry +DHT direct: DHT nodes see your IP address/m, '--dht-bootstrap alone chooses the direct DHT');

	const deadControl = await run(['--passphrase-file', passphraseFile, '--tor-control', String(await closedPort())]);
	assert.equal(deadControl.code, exitCodes.torUnreachable, `${deadControl.out}\n${deadControl.err}`);
	assert.match(deadControl.out, /^FAIL +tor .*\n +fix: /m);

	// A port that accepts and never speaks SOCKS.
	state.silent = createServer(socket => socket.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
	await new Promise<void>(resolve => state.silent!.listen(0, '127.0.0.1', resolve));
	const notSocks = await run(['--passphrase-file', passphraseFile, '--tor-control', String(client.controlPort), '--tor-socks', String((state.silent.address() as {port: number}).port)]);
	assert.equal(notSocks.code, exitCodes.torUnreachable, `${notSocks.out}\n${notSocks.err}`);
	assert.match(notSocks.out, /^FAIL +socks .*not as a SOCKS5 proxy/m);

	const wrong = join(directory, 'wrong');
	writeFileSync(wrong, 'not the passphrase\n');
	const wrongPassphrase = await run(['--passphrase-file', wrong, '--tor-control', String(client.controlPort)]);
	assert.equal(wrongPassphrase.code, exitCodes.wrongPassphrase, `${wrongPassphrase.out}\n${wrongPassphrase.err}`);
	assert.match(wrongPassphrase.out, /^FAIL +store /m);
});
