// Why umbra splits raw input itself (key-parser.ts) instead of using Ink 6.8's useInput: fed the
// same bytes, useInput loses keys the parser keeps. Should an Ink release fix all three, these
// assertions fail, and the parser can go.
import assert from 'node:assert/strict';
import {after, test} from 'node:test';
import {Text, useInput} from 'ink';
import {cleanup, render} from 'ink-testing-library';
import {KeyParser} from '../../source/screens/key-parser.js';
import {pollUntil} from '../helpers/waiters.js';

after(cleanup);

type InkEvent = {input: string; flags: string[]};

/** What useInput hears for `data` written in one read. */
async function inkHears(data: string, done: (events: InkEvent[]) => boolean): Promise<InkEvent[]> {
	const events: InkEvent[] = [];
	function Probe() {
		useInput((input, key) => {
			events.push({input, flags: Object.entries(key).filter(([, on]) => on === true).map(([flag]) => flag)});
		});
		return <Text>probe</Text>;
	}

	const instance = render(<Probe />);
	try {
		// useInput listens from its effect on: wait until a plain key gets through.
		await pollUntil('useInput to listen', () => {
			instance.stdin.write('z');
			return events.length > 0;
		}, 5000, {pollMs: 10});
		events.length = 0;
		instance.stdin.write(data);
		await pollUntil(`useInput to hear ${JSON.stringify(data.slice(0, 20))}`, () => done(events), 5000, {pollMs: 5});
		return events;
	} finally {
		instance.unmount();
	}
}

const parsed = (data: string) => new KeyParser().push(data).map(key => (key.text === undefined ? key.name : `${key.name}:${key.text.slice(0, 12)}`));

test('F1: useInput gives an empty input with no flag set, the parser says f1', async () => {
	for (const f1 of ['\u001BOP', '\u001B[11~']) {
		assert.deepEqual(await inkHears(f1, events => events.length > 0), [{input: '', flags: []}]);
		assert.deepEqual(parsed(f1), ['f1']);
	}
});

test('a burst of 1,000 keys in one read: useInput hears one text with the Backspaces in it as bytes, no Backspace key', async () => {
	const burst = 'a\u007F'.repeat(500);
	const events = await inkHears(burst, heard => heard.length > 0);
	assert.equal(events.length, 1);
	assert.equal(events[0]!.input, burst);
	assert.equal(events[0]!.flags.includes('backspace'), false);
	const keys = parsed(burst);
	assert.equal(keys.length, 1000);
	assert.equal(keys.filter(key => key === 'backspace').length, 500);
});

test('bracketed paste: useInput types the markers as text, the parser gives one paste', async () => {
	const paste = '\u001B[200~line one\rline two\u001B[201~';
	const events = await inkHears(paste, heard => heard.some(event => event.input.includes('201~')));
	assert.ok(events.some(event => event.input === '[200~'), JSON.stringify(events));
	assert.deepEqual(parsed(paste), ['paste:line one\rlin']);
});
