// 10,000 random lines through the pure core and through the runner with a fake engine: nothing
// throws, every bad line yields exactly one error event, every good line none.
import {strict as assert} from 'node:assert';
import {randomInt} from 'node:crypto';
import {PassThrough} from 'node:stream';
import {test} from 'node:test';
import {runBot} from '../../source/bot/bot.js';
import {onLine, type BotView} from '../../source/bot/core.js';
import {contactView, FakeEngine} from '../helpers/fake-engine.js';
import {randomLines} from './random-lines.js';

const contacts = [contactView('bob', 'B'.repeat(40)), contactView('carol', 'C'.repeat(40))];

test('10,000 random lines through the core: one error event per bad line, none per good one', t => {
	const seed = randomInt(2 ** 31);
	t.diagnostic(`seed ${seed}`);
	const view: BotView = {self: {fingerprint: 'A'.repeat(40), keyId: 'A'.repeat(16), userId: 'bot'}, contacts, presence: {state: 'online', status: ''}};
	let bad = 0;
	for (const {line, bad: isBad} of randomLines(10_000, seed, ['bob', 'carol'])) {
		const step = onLine(line, view);
		const errors = step.output.filter(event => event.type === 'error');
		if (isBad) {
			bad++;
			assert.equal(errors.length, 1, `seed ${seed}: bad line ${JSON.stringify(line)} gave ${errors.length} error events`);
			assert.equal(step.calls.length, 0, `seed ${seed}: bad line ${JSON.stringify(line)} made a call`);
		} else {
			assert.equal(errors.length, 0, `seed ${seed}: good line ${JSON.stringify(line)} gave ${JSON.stringify(errors)}`);
			assert.equal(step.calls.length + step.output.length, 1, `seed ${seed}: good line ${JSON.stringify(line)} did nothing`);
		}
	}

	assert.ok(bad > 4000 && bad < 6000);
});

test('10,000 random lines through the runner with a fake engine, in chunks of any size', async t => {
	const seed = randomInt(2 ** 31);
	t.diagnostic(`seed ${seed}`);
	const engine = new FakeEngine();
	engine.contactList = contacts.map(contact => ({...contact}));
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
	const generated = randomLines(10_000, seed, ['bob', 'carol']);
	const running = runBot({engine, input, output, diagnostics: new PassThrough(), config: {reply: 'none', acceptFrom: []}, format: 'json', signal: new AbortController().signal});
	// Cut the byte stream at random places, also inside multi-byte characters.
	const bytes = Buffer.from(`${generated.map(entry => entry.line).join('\n')}\n{"cmd":"quit"}\n`);
	for (let offset = 0; offset < bytes.length;) {
		const size = 1 + randomInt(4096);
		input.write(bytes.subarray(offset, offset + size));
		offset += size;
	}

	await running;
	const events = lines.map(line => JSON.parse(line) as {type: string; ts: string; scope?: string});
	assert.ok(events.every(event => typeof event.ts === 'string' && typeof event.type === 'string'));
	const errors = events.filter(event => event.type === 'error');
	assert.equal(errors.length, generated.filter(entry => entry.bad).length, `seed ${seed}`);
	assert.ok(errors.every(event => event.scope === 'input' || event.scope === 'command'));
	const goodSends = generated.filter(entry => !entry.bad && entry.line.startsWith('{"cmd":"send"')).length;
	assert.equal(engine.calls.filter(call => call.method === 'send').length, goodSends);
	assert.equal(events.at(-1)?.type, 'bye');
	assert.ok(engine.stopped);
});
