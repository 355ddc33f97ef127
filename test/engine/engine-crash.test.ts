// kill -9 during 1,000 sends: Alice's umbra (a child process with a real engine on the private
// Tor network) is killed while it queues and sends; started again, it sends only what was never
// queued, the outbox resends what was not acknowledged, and Bob ends up with all 1,000 texts
// exactly once and in order.
import {strict as assert} from 'node:assert';
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import process from 'node:process';
import {createInterface} from 'node:readline';
import {test} from 'node:test';
import {importProfile} from '../../source/engine/index.js';
import {startDhtSwarm, type DhtSwarm} from '../../source/net/testnet/dht-swarm.js';
import {fixtureCertificate, fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';
import {useTestNetwork} from '../helpers/network.js';
import {startParty, type Party} from '../helpers/parties.js';
import {Waiters} from '../helpers/waiters.js';

const sender = join(import.meta.dirname, 'children', 'sender.ts');
const count = 1000;

type Child = {child: ChildProcessWithoutNullStreams; lines: string[]; exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>; waitForLine(predicate: (line: string, all: string[]) => boolean, timeoutMs: number): Promise<void>};

function startSender(args: string[]): Child {
	const child = spawn(process.execPath, ['--import', 'tsx', sender, ...args], {stdio: ['pipe', 'pipe', 'pipe']});
	const lines: string[] = [];
	const waiters = new Waiters();
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr = (stderr + chunk.toString('utf8')).slice(-4000);
	});
	createInterface({input: child.stdout}).on('line', line => {
		lines.push(line);
		waiters.wake();
	});
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.once('exit', (code, signal) => {
			waiters.wake();
			resolve({code, signal});
		});
	});
	return {
		child,
		lines,
		exited,
		async waitForLine(predicate, timeoutMs) {
			await waiters.until('the line the sender should print', () => {
				if (lines.some(line => predicate(line, lines))) {
					return true;
				}

				if (child.exitCode !== null || child.signalCode !== null) {
					throw new Error(`the sender exited (${child.exitCode ?? child.signalCode}) first; its stderr:\n${stderr}`);
				}

				return undefined;
			}, timeoutMs, () => `; last lines: ${lines.slice(-3).join(' | ')}; stderr:\n${stderr}`);
		},
	};
}

test('kill -9 during 1,000 sends: after a restart the contact has every message exactly once, in order', {timeout: 600_000}, async t => {
	const network = useTestNetwork();
	const [first, second] = network.clients;
	assert.ok(first && second);
	const directory = mkdtempSync(join(tmpdir(), 'umbra-crash-'));
	const state: {swarm?: DhtSwarm; bob?: Party; children: Child[]} = {children: []};
	t.after(async () => {
		for (const {child} of state.children) {
			if (child.exitCode === null && child.signalCode === null) {
				child.kill('SIGKILL');
			}
		}

		await state.bob?.close();
		await state.swarm?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	state.swarm = await startDhtSwarm({size: 20});
	const {bootstrap} = state.swarm;
	const aliceDir = join(directory, 'alice');
	const alice = await importProfile({dataDir: aliceDir, passphrase: 'alice', secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	const bobCertificate = await fixtureCertificate('bob');
	alice.store.addContact({fingerprint: bobCertificate.fingerprint, name: 'bob', certificate: bobCertificate.key.write()});
	const aliceFingerprint = alice.identity.fingerprint;
	alice.close();
	const bob = await startParty({name: 'bob', contacts: ['alice'], directory, client: second, bootstrap});
	state.bob = bob;

	const args = [aliceDir, 'alice', String(first.controlPort), first.password, String(first.socksPort), bootstrap.join(','), bobCertificate.fingerprint, String(count)];
	const killed = startSender(args);
	state.children.push(killed);
	// Killed once Bob has a hundred: while Alice queues, sends and takes acks.
	await bob.waitFor('the first hundred messages', () => bob.events.filter(event => event.type === 'message.received').length >= 100, {timeoutMs: 240_000});
	killed.child.kill('SIGKILL');
	assert.deepEqual(await killed.exited, {code: null, signal: 'SIGKILL'});
	const queuedBefore = killed.lines.filter(line => line.startsWith('queued ')).length;
	const receivedBefore = bob.profile.store.listConversation(aliceFingerprint, {limit: count + 10}).length;
	t.diagnostic(`killed after ${queuedBefore} queued; Bob had ${receivedBefore}`);

	const restarted = startSender(args);
	state.children.push(restarted);
	await restarted.waitForLine(line => line === 'delivered', 240_000);
	assert.equal((await restarted.exited).code, 0);
	const resumedAfter = Number(/^resuming after (\d+)$/.exec(restarted.lines.find(line => line.startsWith('resuming')) ?? '')?.[1]);
	assert.ok(resumedAfter >= queuedBefore, `the store kept every message reported queued (${resumedAfter} >= ${queuedBefore})`);

	const conversation = bob.profile.store.listConversation(aliceFingerprint, {limit: count + 10});
	const bodies = conversation.map(message => message.body);
	const outOfPlace = bodies.flatMap((body, index) => (body === String(index) ? [] : [`${index}:${body}`]));
	t.diagnostic(`Bob has ${bodies.length}; first out of place: ${outOfPlace.slice(0, 10).join(' ')}`);
	assert.equal(conversation.length, count, 'exactly once');
	assert.deepEqual(conversation.map(message => message.body), Array.from({length: count}, (_, index) => String(index)), 'in order');
	assert.ok(conversation.every(message => message.direction === 'in'));
});
