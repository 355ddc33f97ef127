// The runner with a fake engine: replies through --echo and a real /bin/sh --exec hook, the
// hook's scrubbed environment, timeouts and failures as error events, add with confirm, text
// output stripped of escapes, and shutdown on the abort signal.
import {strict as assert} from 'node:assert';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import {runBot} from '../../source/bot/bot.js';
import type {BotConfig} from '../../source/bot/core.js';
import {HookPool} from '../../source/bot/exec-hook.js';
import type {OutputFormat} from '../../source/bot/format.js';
import type {Message} from '../../source/engine/index.js';
import {fixtureCertificate, fixtureText} from '../helpers/key-fixtures.js';
import {contactView, FakeEngine} from '../helpers/fake-engine.js';
import {pollUntil} from '../helpers/waiters.js';

const bobFpr = 'B'.repeat(40);

function incoming(body: string, id = 'in-1'): Message {
	return {id, contact: bobFpr, direction: 'in', body, createdAt: 0, receivedAt: 0, state: 'delivered', stateChangedAt: 0, position: 1, read: false};
}

function harness(config: BotConfig, options: {format?: OutputFormat; hooks?: HookPool} = {}) {
	const engine = new FakeEngine();
	engine.contactList = [contactView('bob', bobFpr)];
	const input = new PassThrough();
	const output = new PassThrough();
	const lines: string[] = [];
	let buffered = '';
	output.on('data', (chunk: Buffer) => {
		buffered += chunk.toString('utf8');
		const parts = buffered.split('\n');
		buffered = parts.pop()!;
		lines.push(...parts);
	});
	const controller = new AbortController();
	const running = runBot({engine, input, output, diagnostics: new PassThrough(), config, format: options.format ?? 'json', ...(options.hooks ? {hooks: options.hooks} : {}), signal: controller.signal});
	const events = () => lines.map(line => JSON.parse(line) as Record<string, unknown>);
	const sends = () => engine.calls.filter(call => call.method === 'send').map(call => call.args);
	return {engine, input, lines, events, sends, controller, running};
}

test('--echo answers with the text received; the abort signal says bye and stops the engine', async () => {
	const bot = harness({reply: 'echo', acceptFrom: []});
	await pollUntil('the engine to start', () => bot.engine.started);
	bot.engine.emit({type: 'message.received', message: incoming('ping')});
	await pollUntil('the echo', () => bot.sends().length === 1);
	assert.deepEqual(bot.sends(), [[bobFpr, 'ping']]);
	assert.equal(bot.events()[0]?.['type'], 'message.received');
	bot.controller.abort();
	await bot.running;
	assert.ok(bot.engine.stopped);
	assert.equal(bot.events().at(-1)?.['type'], 'bye');
});

test('--exec replies with the command\'s output; its environment holds no secret', async () => {
	const hooks = new HookPool({command: 'printf "%s|%s|%s|" "$UMBRA_CONTACT" "${UMBRA_PASSPHRASE-none}" "${SECRET_TOKEN-none}"; tr a-z A-Z', env: {...process.env, UMBRA_PASSPHRASE: 'hunter2', SECRET_TOKEN: 'x'}, timeoutMs: 10_000, concurrency: 2, maxQueue: 10, maxReplyBytes: 1000});
	const bot = harness({reply: 'exec', acceptFrom: ['bob']}, {hooks});
	await pollUntil('the engine to start', () => bot.engine.started);
	bot.engine.emit({type: 'message.received', message: incoming('hello')});
	await pollUntil('the hook reply', () => bot.sends().length === 1);
	assert.deepEqual(bot.sends(), [[bobFpr, 'bob|none|none|HELLO']]);
	bot.input.write('{"cmd":"quit"}\n');
	await bot.running;
});

test('a failing, slow or chatty --exec command is an error event, and the bot goes on', async () => {
	const cases: Array<[string, RegExp]> = [
		['echo broken >&2; exit 3', /exited with status 3: broken/],
		['sleep 30', /timed out after 300 ms/],
		['head -c 5000 /dev/zero', /longer than 1000 bytes/],
	];
	for (const [command, pattern] of cases) {
		const hooks = new HookPool({command, env: process.env, timeoutMs: 300, concurrency: 1, maxQueue: 1, maxReplyBytes: 1000});
		const bot = harness({reply: 'exec', acceptFrom: []}, {hooks});
		await pollUntil('the engine to start', () => bot.engine.started);
		bot.engine.emit({type: 'message.received', message: incoming('x')});
		await pollUntil(`an exec error for ${command}`, () => bot.events().some(event => event['type'] === 'error'));
		const error = bot.events().find(event => event['type'] === 'error')!;
		assert.equal(error['scope'], 'exec');
		assert.match(String(error['message']), pattern);
		assert.equal(bot.sends().length, 0);
		bot.input.write('{"cmd":"contacts"}\n{"cmd":"quit"}\n');
		await bot.running;
		assert.ok(bot.events().some(event => event['type'] === 'contacts'), 'the bot still answers commands');
	}
});

test('a full --exec queue refuses more messages instead of growing', async () => {
	const hooks = new HookPool({command: 'sleep 30', env: process.env, timeoutMs: 20_000, concurrency: 1, maxQueue: 1, maxReplyBytes: 1000});
	const bot = harness({reply: 'exec', acceptFrom: []}, {hooks});
	await pollUntil('the engine to start', () => bot.engine.started);
	for (let index = 0; index < 3; index++) {
		bot.engine.emit({type: 'message.received', message: incoming('x', `in-${index}`)});
	}

	await pollUntil('the refusal', () => bot.events().some(event => event['type'] === 'error'));
	assert.match(String(bot.events().find(event => event['type'] === 'error')!['message']), /already wait for --exec/);
	bot.controller.abort();
	await bot.running;
	assert.equal(bot.events().at(-1)?.['type'], 'bye');
});

test('add shows the certificate without confirm, refuses a wrong confirm, adds with the right one', async () => {
	const bob = await fixtureCertificate('carol');
	const bot = harness({reply: 'none', acceptFrom: []});
	bot.engine.certificates.set(bob.keyId, bob);
	bot.input.write(`${JSON.stringify({cmd: 'add', key: bob.keyId, name: 'carol', id: 'a1'})}\n`);
	bot.input.write(`${JSON.stringify({cmd: 'add', key: bob.keyId, name: 'carol', confirm: 'E'.repeat(40), id: 'a2'})}\n`);
	bot.input.write(`${JSON.stringify({cmd: 'add', armor: fixtureText('carol.pub.asc'), name: 'carol', confirm: bob.fingerprint, id: 'a3'})}\n`);
	bot.input.write(`${JSON.stringify({cmd: 'add', armor: 'not a key', name: 'x', confirm: bob.fingerprint, id: 'a4'})}\n{"cmd":"quit"}\n`);
	await bot.running;
	const byRef = (ref: string) => bot.events().filter(event => event['ref'] === ref);
	assert.deepEqual(byRef('a1').map(event => [event['type'], event['fingerprint']]), [['certificate', bob.fingerprint]]);
	assert.match(String(byRef('a2')[0]?.['message']), /nothing was added/);
	assert.deepEqual(byRef('a3').map(event => event['type']), ['contact.added']);
	assert.equal(byRef('a4')[0]?.['type'], 'error');
	assert.deepEqual(bot.engine.calls.filter(call => call.method === 'addContact').map(call => call.args), [[bob.fingerprint, 'carol']]);
});

test('--output text strips escape sequences from what peers sent', async () => {
	const bot = harness({reply: 'none', acceptFrom: []}, {format: 'text'});
	await pollUntil('the engine to start', () => bot.engine.started);
	bot.engine.emit({type: 'contact.presence', contact: bobFpr, state: 'away', status: '\u001B]52;c;aGk=\u0007gone\u001B[2J'});
	bot.engine.emit({type: 'message.received', message: incoming('line one\n\u001B[31mline two\u202E')});
	bot.input.write('{"cmd":"quit"}\n');
	await bot.running;
	const text = bot.lines.join('\n');
	// eslint-disable-next-line no-control-regex -- the point of the test
	assert.doesNotMatch(text, /[\u001B\u0007\u202E]/);
	assert.match(text, /bob is away: gone/);
	assert.match(text, /bob says: line one\n {4}line two/);
});

test('a line over the limit is one error event and the next line still counts', async () => {
	const bot = harness({reply: 'none', acceptFrom: []});
	bot.input.write(`{"cmd":"send","to":"bob","text":"${'x'.repeat(300 * 1024)}"}\n{"cmd":"send","to":"bob","text":"ok"}\n{"cmd":"quit"}\n`);
	await bot.running;
	assert.equal(bot.events().filter(event => event['type'] === 'error').length, 1);
	assert.deepEqual(bot.sends(), [[bobFpr, 'ok']]);
});
