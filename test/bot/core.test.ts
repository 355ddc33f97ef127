// The bot core without I/O: commands become engine calls, engine events become output events,
// replies go only to accepted contacts, and bad lines become exactly one error event each.
import {strict as assert} from 'node:assert';
import {test} from 'node:test';
import {onEngineEvent, onLine, type BotConfig, type BotView} from '../../source/bot/core.js';
import {botCommandTable, botEventTable, parseCommandLine} from '../../source/bot/protocol.js';
import type {Message} from '../../source/engine/index.js';
import {contactView} from '../helpers/fake-engine.js';

const bobFpr = 'B'.repeat(40);
const carolFpr = 'C'.repeat(40);
const view: BotView = {
	self: {fingerprint: 'A'.repeat(40), keyId: 'A'.repeat(16), userId: 'bot'},
	contacts: [contactView('bob', bobFpr, {presence: 'away', status: 'lunch'}), contactView('carol', carolFpr)],
	presence: {state: 'busy', status: 'working'},
};
const quiet: BotConfig = {reply: 'none', acceptFrom: []};

function incoming(contact: string, body: string, createdAt = 1_700_000_000_000): Message {
	return {id: 'msg-1', contact, direction: 'in', body, createdAt, receivedAt: createdAt, state: 'delivered', stateChangedAt: createdAt, position: 1, read: false};
}

test('send resolves a contact name or fingerprint to a send call', () => {
	assert.deepEqual(onLine('{"cmd":"send","to":"bob","text":"hi","id":"r1"}', view), {output: [], calls: [{call: 'send', contact: bobFpr, text: 'hi', ref: 'r1'}]});
	assert.deepEqual(onLine(JSON.stringify({cmd: 'send', to: carolFpr.toLowerCase(), text: 'x'}), view).calls, [{call: 'send', contact: carolFpr, text: 'x'}]);
	const unknown = onLine('{"cmd":"send","to":"dave","text":"hi","id":"r2"}', view);
	assert.equal(unknown.calls.length, 0);
	assert.equal(unknown.output.length, 1);
	assert.match((unknown.output[0] as {message: string}).message, /no contact named "dave"/);
	assert.equal((unknown.output[0] as {ref?: string}).ref, 'r2');
});

test('presence keeps the status text, status keeps the presence state', () => {
	assert.deepEqual(onLine('{"cmd":"presence","state":"away"}', view).calls, [{call: 'presence', cmd: 'presence', state: 'away', status: 'working'}]);
	assert.deepEqual(onLine('{"cmd":"status","text":"back at 3"}', view).calls, [{call: 'presence', cmd: 'status', state: 'busy', status: 'back at 3'}]);
	assert.equal(onLine('{"cmd":"presence","state":"sleeping"}', view).output[0]?.type, 'error');
});

test('hide, show, add, contacts and quit', () => {
	assert.deepEqual(onLine('{"cmd":"hide","contact":"carol"}', view).calls, [{call: 'hide', contact: carolFpr}]);
	assert.deepEqual(onLine('{"cmd":"show","contact":"carol"}', view).calls, [{call: 'show', contact: carolFpr}]);
	const fingerprint = 'D'.repeat(40);
	assert.deepEqual(onLine(JSON.stringify({cmd: 'add', key: 'D'.repeat(16), name: 'dave', confirm: fingerprint.toLowerCase().replace(/(.{4})/g, '$1 ')}), view).calls, [{call: 'add', name: 'dave', key: 'D'.repeat(16), confirm: fingerprint}]);
	assert.match(parseCommandLine('{"cmd":"add","name":"d"}').ok ? '' : (parseCommandLine('{"cmd":"add","name":"d"}') as {problem: string}).problem, /exactly one of "key"/);
	assert.match((parseCommandLine('{"cmd":"add","name":"d","key":"AB","confirm":"1234"}') as {problem: string}).problem, /40 hex/);
	const listed = onLine('{"cmd":"contacts","id":"c"}', view);
	assert.deepEqual(listed.output, [{type: 'contacts', ref: 'c', contacts: [{name: 'bob', fingerprint: bobFpr, presence: 'away', status: 'lunch', hidden: false, keyState: 'valid'}, {name: 'carol', fingerprint: carolFpr, presence: 'offline', status: '', hidden: false, keyState: 'valid'}]}]);
	assert.deepEqual(onLine('{"cmd":"quit"}', view).calls, [{call: 'quit'}]);
	assert.deepEqual(onLine('   ', view), {output: [], calls: []});
});

test('every documented command parses and every problem names what is wrong', () => {
	assert.equal(botCommandTable.length, 8);
	assert.ok(botEventTable.some(entry => entry.type === 'error'));
	const problems: Array<[string, RegExp]> = [
		['not json', /not JSON/],
		['[1,2]', /JSON object, not an array/],
		['{"text":"x"}', /missing "cmd"/],
		['{"cmd":"dance"}', /unknown command "dance"/],
		['{"cmd":"send","to":"bob"}', /needs "text"/],
		['{"cmd":"send","to":"bob","text":5}', /"text" must be a string, not number/],
		['{"cmd":"send","to":"bob","text":"x","colour":"red"}', /no field "colour"/],
		['{"cmd":"send","to":"bob","text":""}', /empty/],
	];
	for (const [line, pattern] of problems) {
		const step = onLine(line, view);
		assert.equal(step.output.length, 1, line);
		assert.equal(step.output[0]?.type, 'error', line);
		assert.match((step.output[0] as {message: string}).message, pattern, line);
		assert.equal(step.calls.length, 0, line);
	}
});

test('engine events become output events with contact names', () => {
	assert.deepEqual(onEngineEvent({type: 'contact.online', contact: bobFpr}, view, quiet).output, [{type: 'contact.presence', contact: 'bob', fingerprint: bobFpr, presence: 'away', status: 'lunch'}]);
	assert.deepEqual(onEngineEvent({type: 'contact.offline', contact: carolFpr, reason: 'bye'}, view, quiet).output, [{type: 'contact.presence', contact: 'carol', fingerprint: carolFpr, presence: 'offline', status: ''}]);
	assert.deepEqual(onEngineEvent({type: 'lifecycle', state: 'ready'}, view, quiet).output.map(event => event.type), ['lifecycle', 'ready']);
	assert.deepEqual(onEngineEvent({type: 'message.state', id: 'm', contact: bobFpr, state: 'delivered'}, view, quiet).output, [{type: 'message.state', id: 'm', contact: 'bob', fingerprint: bobFpr, state: 'delivered'}]);
	assert.deepEqual(onEngineEvent({type: 'registry.nodes', nodes: 3}, view, quiet), {output: [], calls: []});
	const received = onEngineEvent({type: 'message.received', message: incoming(bobFpr, 'hello', Number.MAX_VALUE)}, view, quiet);
	assert.deepEqual(received.output, [{type: 'message.received', id: 'msg-1', contact: 'bob', fingerprint: bobFpr, text: 'hello', sentAt: ''}]);
	assert.equal(received.calls.length, 0);
});

test('--echo and --exec answer only accepted contacts', () => {
	const echo: BotConfig = {reply: 'echo', acceptFrom: ['bob']};
	assert.deepEqual(onEngineEvent({type: 'message.received', message: incoming(bobFpr, 'ping')}, view, echo).calls, [{call: 'send', contact: bobFpr, text: 'ping'}]);
	assert.deepEqual(onEngineEvent({type: 'message.received', message: incoming(carolFpr, 'ping')}, view, echo).calls, []);
	const exec: BotConfig = {reply: 'exec', acceptFrom: [carolFpr.toLowerCase()]};
	const step = onEngineEvent({type: 'message.received', message: incoming(carolFpr, 'date?')}, view, exec);
	assert.deepEqual(step.calls, [{call: 'exec', message: {id: 'msg-1', contact: 'carol', fingerprint: carolFpr, text: 'date?', sentAt: '2023-11-14T22:13:20.000Z'}}]);
	assert.equal(onEngineEvent({type: 'message.received', message: incoming(bobFpr, 'x')}, view, {reply: 'echo', acceptFrom: []}).calls.length, 1);
});
