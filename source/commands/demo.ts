// `umbra demo`: everything on 127.0.0.1, so a newcomer can chat end to end with no Tor network
// to reach: a private Tor network from Debian's tor, a DHT swarm, an echo bot with an identity
// of its own, and a throwaway identity for the user; the two are contacts of each other. The
// TUI opens on the user's engine. Both reach the registry only through an `umbra relay` onion
// in front of the swarm, as users do through public relays. Everything the demo started is stopped on the way out, in
// reverse order, also when a step fails; every tor is also owned by this process's PID, so
// even a kill -9 leaves none running for longer than about 15 s.
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createProfile, exportPublicKey, openEngine, type EngineApi, type Profile} from '../engine/index.js';
import {startDhtSwarm} from '../net/testnet/dht-swarm.js';
import {startTorNetwork, type ClientDescription} from '../net/testnet/tor-network.js';
import {ensureSystemTools, systemTools} from '../net/system-tools.js';
import {exitCodes, type ExitCode} from '../exit-codes.js';
import {booleanFlag, stringFlag, type Command, type CommandContext} from './command.js';
import {debugFlag} from './common-flags.js';
import {startRelayHost} from './relay-host.js';

/** Throwaway identities in a temporary directory: a cheap KDF is enough for keys deleted at exit. */
const demoKdf = {N: 2 ** 14, r: 8, p: 1};

type Cleanup = Array<{what: string; run: () => Promise<void> | void}>;

async function unwind(cleanup: Cleanup, log: (line: string) => void): Promise<void> {
	for (const step of cleanup.reverse()) {
		try {
			await step.run();
		} catch (error) {
			log(`could not stop ${step.what}: ${(error as Error).message}`);
		}
	}
}

async function makeContacts(user: Profile, bot: Profile): Promise<void> {
	user.store.addContact({fingerprint: bot.identity.fingerprint, name: 'echo-bot', certificate: bot.identity.certificate.key.write()});
	bot.store.addContact({fingerprint: user.identity.fingerprint, name: 'you', certificate: user.identity.certificate.key.write()});
}

/** Both engines reach the registry only through the demo's relay onion: no UDP from them. */
function engineFor(profile: Profile, client: ClientDescription, relayUrl: string, debug: ((line: string) => void) | undefined): Promise<EngineApi> {
	return openEngine({
		profile,
		torControl: String(client.controlPort),
		torControlPassword: client.password,
		torSocks: String(client.socksPort),
		registryRelays: [relayUrl],
		...(debug ? {debug} : {}),
	});
}

/** The bot answers every message with its text, and says hello once the user comes online. */
function echo(engine: EngineApi, user: string): () => void {
	let greeted = false;
	return engine.subscribe(event => {
		if (event.type === 'contact.online' && event.contact === user && !greeted) {
			greeted = true;
			void engine.send(user, 'Hello! I am an echo bot on your private loopback Tor network. Type a message and I will send it back.').catch(() => undefined);
		}

		if (event.type === 'message.received' && event.message.contact === user) {
			void engine.send(user, `echo: ${event.message.body}`).catch(() => undefined);
		}
	});
}

async function run(context: CommandContext): Promise<ExitCode> {
	const log = (line: string) => context.stderr.write(`umbra demo: ${line}\n`);
	const debug = booleanFlag(context, 'debug') ? log : undefined;
	ensureSystemTools([systemTools.tor, systemTools.torGencert], log);

	const cleanup: Cleanup = [];
	let cancelled = false;
	const directory = mkdtempSync(join(tmpdir(), 'umbra-demo-'));
	cleanup.push({what: 'the demo directory', run: () => rmSync(directory, {recursive: true, force: true})});
	try {
		log('starting a private Tor network on 127.0.0.1 (3 authorities, 2 relays, 2 clients; about 20 s on 2 cores)...');
		const network = await startTorNetwork({directory, clients: 2, signal: context.signal, log: line => debug?.(line)});
		cleanup.push({what: 'the private Tor network', run: async () => network.stop()});
		const statePath = stringFlag(context, 'stateFile');
		if (statePath) {
			const pids = [...network.description.relays, ...network.description.clients].map(tor => tor.pid);
			writeFileSync(statePath, `${JSON.stringify({directory, torPids: pids})}\n`);
		}

		log('starting a DHT swarm of 20 nodes on 127.0.0.1...');
		const swarm = await startDhtSwarm({size: 20});
		cleanup.push({what: 'the DHT swarm', run: async () => swarm.stop()});

		log('making a throwaway identity for you and one for the echo bot...');
		const passphrase = randomBytes(24).toString('base64url');
		const [user, bot] = await Promise.all([
			createProfile({dataDir: join(directory, 'you'), userId: 'You (umbra demo)', passphrase, kdf: demoKdf}),
			createProfile({dataDir: join(directory, 'bot'), userId: 'Echo bot (umbra demo)', passphrase, kdf: demoKdf}),
		]);
		cleanup.push({what: 'your demo profile', run: () => user.close()}, {what: 'the bot profile', run: () => bot.close()});
		await makeContacts(user, bot);

		const [botClient, userClient] = network.description.clients;
		if (!botClient || !userClient) {
			throw new Error('the private Tor network came up without its two clients');
		}

		log('starting a registry relay (umbra relay) as an onion service in front of the swarm...');
		const relay = await startRelayHost({directory: join(directory, 'relay'), tor: {endpoint: {host: '127.0.0.1', port: botClient.controlPort}, password: botClient.password}, dhtBootstrap: swarm.bootstrap, log: line => debug?.(`relay: ${line}`)});
		cleanup.push({what: 'the registry relay', run: async () => relay.stop()});
		const relayUrl = relay.onionUrl!;
		const botEngine = await engineFor(bot, botClient, relayUrl, debug);
		cleanup.push({what: 'the echo bot', run: async () => botEngine.stop()});
		const unsubscribe = echo(botEngine, user.identity.fingerprint);
		cleanup.push({what: 'the echo bot\'s listener', run: unsubscribe});
		await botEngine.start();

		const engine = await engineFor(user, userClient, relayUrl, debug);
		cleanup.push({what: 'your engine', run: async () => engine.stop()});
		log('opening the chat; the echo bot comes online in a few seconds. Quit with /quit or Ctrl-C.');
		// The chat screen shows the start's progress and a failure; it does not wait for it.
		engine.start().catch(() => undefined);
		// Loaded here, so that every other command starts without React and Ink.
		const {runChat} = await import('../screens/index.js');
		await runChat({engine, stdin: context.stdin, stdout: context.stdout, stderr: context.stderr, signal: context.signal, exportPublicKey: () => exportPublicKey(user.identity)});
		return exitCodes.ok;
	} catch (error) {
		// Ctrl-C or SIGTERM while starting is the user's choice, not a failure to report.
		if (context.signal.aborted) {
			cancelled = true;
			return exitCodes.cancelled;
		}

		throw error;
	} finally {
		if (!cancelled) {
			log('stopping everything the demo started...');
		}

		await unwind(cleanup, log);
		if (cancelled) {
			log('cancelled; everything it had started is stopped and its files are removed.');
		}
	}
}

export const demoCommand: Command = {
	name: 'demo',
	usage: 'umbra demo',
	summary: 'Chat with an echo bot over a private Tor network on 127.0.0.1 (no internet needed)',
	description: [
		'Starts a private Tor network (Debian\'s tor, installed with apt-get when run as root) and a',
		'DHT swarm on 127.0.0.1 with a registry relay (umbra relay) as an onion service in front of it, an',
		'echo bot with its own identity, and a throwaway identity for you; both reach the registry only',
		'through the relay. Makes you contacts of each other and opens the chat. All is deleted on exit.',
	].join('\n'),
	flags: {
		debug: debugFlag,
		stateFile: {type: 'string', valueName: 'FILE', description: 'Write the demo directory and the PIDs of the tor processes it started to FILE (JSON), for scripts and tests'},
	},
	run,
};
