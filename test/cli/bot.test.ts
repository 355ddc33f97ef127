// umbra bot as users run it: the built CLI as a child process with a real engine on the private
// Tor network and a loopback DHT swarm, talking to a real peer engine. Messages in, --exec
// replies out (with no secret in the hook's /proc/PID/environ), presence events, a few hundred bad
// stdin lines each answered by one error event, and SIGTERM: bye, exit 0, the peer sees it go.
import {strict as assert} from 'node:assert';
import {randomInt} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {startCli, type CliProcess} from '../bot/cli-process.js';
import {fixtureCertificate, makeProfile, startPeer, type Peer} from '../bot/peer.js';
import {randomLines} from '../bot/random-lines.js';
import {useTestNetwork} from '../helpers/network.js';

const phaseMs = 120_000;
type Event = {type: string; ts: string; [key: string]: unknown};

test('a bot on the private Tor network answers through --exec, reports presence, survives bad input and stops on SIGTERM', {timeout: 6 * phaseMs}, async t => {
	const network = useTestNetwork();
	const [peerClient, botClient] = network.clients;
	assert.ok(peerClient && botClient);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-bot-'));
	const state: {swarm?: DhtSwarm; peer?: Peer; bot?: CliProcess} = {};
	t.after(async () => {
		state.bot?.kill();
		await state.peer?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	const [alice, bob] = await Promise.all([fixtureCertificate('alice'), fixtureCertificate('bob')]);
	state.swarm = await startDhtSwarm({size: 20});
	const botDir = join(directory, 'bot');
	await makeProfile(botDir, 'bob', [{name: 'alice', certificate: alice}]);
	state.bot = startCli([
		'bot',
		'--data-dir', botDir,
		'--tor-control', String(botClient.controlPort),
		'--tor-socks', String(botClient.socksPort),
		...state.swarm.bootstrap.flatMap(node => ['--dht-bootstrap', node]),
		// The hook reports what its own /proc/PID/environ holds of the passphrase, by name or value.
		'--exec', 'printf "%s/%s secrets: " "$UMBRA_CONTACT" "$(tr \'\\0\' \'\\n\' < /proc/$$/environ | grep -c -e UMBRA_PASSPHRASE -e \'bot passphrase\')"; tr a-z A-Z',
		'--accept-from', 'alice',
		'--status', 'at your service',
	], {env: {PATH: process.env['PATH'] ?? '', HOME: directory, UMBRA_PASSPHRASE: 'bot passphrase'}});
	const bot = state.bot;
	const events = () => bot.lines.map(line => JSON.parse(line) as Event);
	const waitForEvent = async (label: string, predicate: (event: Event) => boolean) => JSON.parse(await bot.waitForLine(label, line => predicate(JSON.parse(line) as Event), phaseMs)) as Event;

	await waitForEvent('the bot to be ready', event => event.type === 'ready');
	state.peer = await startPeer({name: 'alice', contacts: [{name: 'bot', certificate: bob}], directory, client: peerClient, bootstrap: state.swarm.bootstrap});
	const peer = state.peer;
	await waitForEvent('the bot to see alice online', event => event.type === 'contact.presence' && event['contact'] === 'alice' && event['presence'] !== 'offline');
	await peer.waitFor('alice to see the bot online', event => event.type === 'contact.online' && event.contact === bob.fingerprint, phaseMs);
	await peer.waitFor('the bot\'s status text', event => event.type === 'contact.presence' && event.contact === bob.fingerprint && event.status === 'at your service', phaseMs);

	const sent = await peer.engine.send(bob.fingerprint, 'hello bot');
	const received = await waitForEvent('the message at the bot', event => event.type === 'message.received' && event['id'] === sent.id);
	assert.equal(received['text'], 'hello bot');
	assert.equal(received['contact'], 'alice');
	const reply = await peer.waitFor('the --exec reply', event => event.type === 'message.received', phaseMs);
	assert.equal(reply.type === 'message.received' && reply.message.body, 'alice/0 secrets: HELLO BOT');
	await waitForEvent('the reply delivered', event => event.type === 'message.state' && event['state'] === 'delivered');

	await peer.engine.setPresence('away', 'lunch');
	await waitForEvent('alice away', event => event.type === 'contact.presence' && event['presence'] === 'away' && event['status'] === 'lunch');

	// A few hundred bad lines, plus harmless good ones, on the real process's stdin.
	const seed = randomInt(2 ** 31);
	t.diagnostic(`seed ${seed}`);
	const lines = randomLines(600, seed, ['alice']).map(entry => (entry.bad ? entry : {line: '{"cmd":"contacts","id":"fuzz"}', bad: false}));
	const errorsBefore = events().filter(event => event.type === 'error').length;
	bot.child.stdin.write(`${lines.map(entry => entry.line).join('\n')}\n{"cmd":"contacts","id":"last"}\n`);
	await waitForEvent('the answer to the last line', event => event.type === 'contacts' && event['ref'] === 'last');
	const inputErrors = events().filter(event => event.type === 'error').length - errorsBefore;
	assert.equal(inputErrors, lines.filter(entry => entry.bad).length, `seed ${seed}`);
	assert.equal(events().filter(event => event.type === 'contacts' && event['ref'] === 'fuzz').length, lines.filter(entry => !entry.bad).length);

	bot.child.stdin.write('{"cmd":"send","to":"alice","text":"from stdin","id":"cmd-send"}\n');
	const sendLine = await waitForEvent('the send command\'s answer', event => event.type === 'done' && event['ref'] === 'cmd-send');
	assert.equal(typeof sendLine['id'], 'string');
	await peer.waitFor('the stdin message at alice', event => event.type === 'message.received' && event.message.body === 'from stdin', phaseMs);

	bot.child.kill('SIGTERM');
	const exit = await bot.exited;
	assert.deepEqual(exit, {code: 0, signal: null}, bot.stderr());
	assert.equal(events().at(-1)?.type, 'bye');
	assert.deepEqual(events().filter(event => event.type === 'lifecycle' && event['state'] === 'stopped').length, 1, 'one "stopped"');
	await peer.waitFor('alice to see the bot offline', event => event.type === 'contact.offline' && event.contact === bob.fingerprint, phaseMs);
	assert.ok(events().every(event => typeof event.ts === 'string' && !Number.isNaN(Date.parse(event.ts))));
});
