// The built CLI's chat screen in a real terminal (tmux), against the private Tor network, a
// loopback DHT swarm and a second real engine as the contact: create an identity, export it,
// add the contact from a file, exchange messages both ways, see presence change, quit; then
// unlock on the next start (with a wrong passphrase first) and find the history.
// Every wait is on what capture-pane shows; the screens seen are kept in test-artifacts/ when
// the test fails.
import {strict as assert} from 'node:assert';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {test} from 'node:test';
import {Engine, openStore, readCertificates, type EngineEvent, type Store} from '../../source/engine/index.js';
import {DhtRegistry} from '../../source/net/dht-registry.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import type {ClientDescription} from '../../source/net/testnet/description.js';
import {fixtureIdentity} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {pollUntil, Waiters} from '../helpers/waiters.js';

const root = join(import.meta.dirname, '..', '..');
const cliPath = join(root, 'dist', 'cli.js');
const bobCertificateFile = join(root, 'test', 'fixtures', 'keys', 'bob.pub.asc');
const phaseMs = 120_000;

/** One tmux server of our own (-L), so nothing of the user's tmux is touched. */
class Terminal {
	readonly socket = `umbra-chat-test-${process.pid}`;
	readonly screens: string[] = [];

	run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	start(command: string): void {
		this.run('new-session', '-d', '-s', 'chat', '-x', '100', '-y', '30', command);
		// Keep the pane after the program exits, to see how it ended (and to start it again).
		this.run('set-option', '-t', 'chat', 'remain-on-exit', 'on');
	}

	/** Runs the command again in the pane, once the program before has exited. */
	restart(command: string): void {
		this.run('respawn-pane', '-t', 'chat', command);
	}

	capture(): string {
		const screen = this.run('capture-pane', '-p', '-t', 'chat');
		if (this.screens.at(-1) !== screen) {
			this.screens.push(screen);
		}

		return screen;
	}

	type(text: string): void {
		this.run('send-keys', '-t', 'chat', '-l', text);
	}

	key(...names: string[]): void {
		this.run('send-keys', '-t', 'chat', ...names);
	}

	line(text: string): void {
		this.type(text);
		this.key('Enter');
	}

	async waitFor(label: string, predicate: (screen: string) => boolean, timeoutMs = phaseMs): Promise<string> {
		let screen = '';
		return new Waiters({pollMs: 100}).until(label, () => {
			screen = this.capture();
			return predicate(screen) ? screen : undefined;
		}, timeoutMs, () => `; the screen was:\n${screen}`);
	}

	programExited(): boolean {
		return this.run('display-message', '-p', '-t', 'chat', '#{pane_dead}').trim() === '1';
	}

	programPid(): number {
		return Number(this.run('display-message', '-p', '-t', 'chat', '#{pane_pid}').trim());
	}

	/** Ends the program under test by its PID, then this tmux server (by its own socket). */
	stop(): void {
		try {
			const pid = this.programPid();
			if (pid > 0 && !this.programExited()) {
				process.kill(pid, 'SIGKILL');
			}
		} catch {
			// No server or no pane left: nothing runs.
		}

		try {
			this.run('kill-server');
		} catch {
			// Already gone.
		}
	}
}

type Peer = {engine: Engine; events: EngineEvent[]; close: () => Promise<void>};

/** bob: a real engine on the other client tor, with the new identity as its contact. */
async function startPeer(directory: string, client: ClientDescription, bootstrap: string[], contactArmor: string): Promise<Peer> {
	const {certificates} = await readCertificates(contactArmor);
	const contact = certificates[0];
	assert.ok(contact, 'the exported key reads as a certificate');
	const store: Store = await openStore({path: join(directory, 'bob-peer.db'), passphrase: 'test', create: true, kdf: {N: 1024, r: 8, p: 1}});
	store.addContact({fingerprint: contact.fingerprint, name: 'alice', certificate: contact.key.write()});
	const registry = new DhtRegistry({bootstrap, host: '127.0.0.1', operationTimeoutMs: 20_000});
	await registry.start();
	const engine = new Engine({
		identity: await fixtureIdentity('bob'),
		store,
		contacts: [contact],
		torControl: {endpoint: {host: '127.0.0.1', port: client.controlPort}, password: client.password},
		socks: {host: '127.0.0.1', port: client.socksPort},
		registry,
		publishWindowMs: 500,
	});
	const events: EngineEvent[] = [];
	engine.subscribe(event => events.push(event));
	await engine.start();
	return {
		engine,
		events,
		async close() {
			await engine.stop().catch(() => undefined);
			store.close();
			await registry.close();
		},
	};
}

async function until(label: string, predicate: () => boolean, timeoutMs = phaseMs): Promise<void> {
	await pollUntil(label, predicate, timeoutMs, {pollMs: 100});
}

test('the chat screen end to end in tmux: create, add from a file, messages both ways, presence, quit', {timeout: 8 * phaseMs}, async t => {
	assert.ok(existsSync(cliPath), `${cliPath} is missing: run \`npm run build\` first (npm test does).`);
	const network = useTestNetwork();
	const [peerClient, ownClient] = network.clients;
	assert.ok(peerClient && ownClient);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-chat-tmux-'));
	const terminal = new Terminal();
	const state: {swarm?: DhtSwarm; peer?: Peer} = {};
	t.after(async () => {
		terminal.capture();
		terminal.stop();
		await state.peer?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	try {
		state.swarm = await startDhtSwarm({size: 12});
		const dataDir = join(directory, 'alice');
		const exported = join(directory, 'alice.asc');
		const flags = ['--data-dir', dataDir, '--tor-control', String(ownClient.controlPort), '--tor-socks', String(ownClient.socksPort), ...state.swarm.bootstrap.flatMap(node => ['--dht-bootstrap', node])];
		// CI=true makes Ink stop drawing interactively: the program under test runs without it.
		const command = `cd ${directory} && env -u CI HOME=${directory} TERM=xterm-256color ${process.execPath} ${cliPath} ${flags.join(' ')}`;
		terminal.start(command);

		await terminal.waitFor('the first-run screen', screen => screen.includes('1: create a new identity'), 30_000);
		terminal.line('1');
		await terminal.waitFor('the name prompt', screen => screen.includes('Your name'));
		terminal.line('Alice Tmux <alice@example.org>');
		await terminal.waitFor('the passphrase prompt', screen => screen.includes('A passphrase to protect'));
		terminal.line('tmux test passphrase');
		await terminal.waitFor('the repeat prompt', screen => screen.includes('The same passphrase again'));
		terminal.line('tmux test passphrase');
		await terminal.waitFor('the chat screen', screen => screen.includes('No contacts yet'));

		terminal.line(`/export ${exported}`);
		// The notice comes once the file is written whole (it exists, empty, a moment before).
		await terminal.waitFor('the key exported', screen => screen.includes('Wrote your public key to'));
		state.peer = await startPeer(directory, peerClient, state.swarm.bootstrap, readFileSync(exported, 'utf8'));

		terminal.line(`/add ${bobCertificateFile} bob`);
		await terminal.waitFor('the add question', screen => screen.includes('Add this contact?') && screen.includes('Add as "bob"? y/n'));
		terminal.type('y');
		await terminal.waitFor('bob in the contacts', screen => screen.includes('Added bob') && /1 . bob/.test(screen));
		await terminal.waitFor('bob online', screen => screen.includes('1 ● bob'));

		terminal.line('hello bob, from tmux');
		const peer = state.peer;
		await until('bob received the message', () => peer.events.some(event => event.type === 'message.received' && event.message.body === 'hello bob, from tmux'));
		await terminal.waitFor('delivered', screen => /hello bob, from tmux ✓✓/.test(screen));

		const [aliceFingerprint] = peer.events.flatMap(event => (event.type === 'message.received' ? [event.message.contact] : []));
		await peer.engine.send(aliceFingerprint!, 'hi alice, from the engine');
		await terminal.waitFor('bob\'s message on screen', screen => screen.includes('bob: hi alice, from the engine'));

		// Typing, both ways: the header shows bob's; bob hears alice's.
		peer.engine.setTyping(aliceFingerprint!, true);
		await terminal.waitFor('bob typing', screen => screen.includes('bob │ online │ typing…'));
		terminal.type('a draft');
		await until('bob saw alice typing', () => peer.events.some(event => event.type === 'contact.typing' && event.typing));
		terminal.key('C-u');
		await until('bob saw alice stop', () => peer.events.some(event => event.type === 'contact.typing' && !event.typing));

		await peer.engine.setPresence('away', 'lunch');
		await terminal.waitFor('bob away', screen => screen.includes('1 ◐ bob') && screen.includes('lunch'));

		terminal.line('/quit');
		await until('alice said bye', () => peer.events.some(event => event.type === 'contact.offline'));
		await until('the program exited', () => terminal.programExited(), 30_000);

		// The next start: unlock (a wrong passphrase is said and asked again), the history is there.
		terminal.restart(command);
		await terminal.waitFor('the unlock screen', screen => screen.includes('Passphrase:'), 30_000);
		terminal.line('not the passphrase');
		await terminal.waitFor('wrong passphrase', screen => screen.includes('Wrong passphrase') && screen.includes('Passphrase:'));
		terminal.line('tmux test passphrase');
		await terminal.waitFor('the history after a restart', screen => screen.includes('hello bob, from tmux ✓✓') && screen.includes('bob: hi alice, from the engine'));
		await terminal.waitFor('bob online again', screen => /1 [●◐] bob/.test(screen));
		terminal.key('C-c');
		await until('the program exited on Ctrl-C', () => terminal.programExited(), 30_000);
	} catch (error) {
		terminal.capture();
		const artifacts = join(root, 'test-artifacts', 'chat-tmux');
		mkdirSync(artifacts, {recursive: true});
		const file = join(artifacts, `screens-${Date.now()}.txt`);
		writeFileSync(file, terminal.screens.join(`\n${'='.repeat(100)}\n`));
		t.diagnostic(`the screens seen are in ${file}`);
		throw error;
	}
});
