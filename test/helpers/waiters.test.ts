// The one waiting helper every recorder and child-process helper uses: it resolves on a wake,
// rejects when the probe throws, and names what it waited for at its deadline.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {pollUntil, Waiters} from './waiters.js';

describe('Waiters', () => {
	it('resolves at once when the condition already holds, and otherwise on the wake after it does', async () => {
		const waiters = new Waiters();
		const log: string[] = ['a'];
		assert.equal(await waiters.until('a', () => log.find(item => item === 'a'), 1000), 'a');
		const later = waiters.until('b', () => log.find(item => item === 'b'), 5000);
		log.push('b');
		waiters.wake();
		assert.equal(await later, 'b');
	});

	it('rejects with the probe\'s error, and at the deadline with the label and context', async () => {
		const waiters = new Waiters();
		await assert.rejects(waiters.until('x', () => {
			throw new Error('the process exited first');
		}, 1000), /the process exited first/);
		await assert.rejects(waiters.until('the ready line', () => undefined, 20, () => '; stderr: boom'), /timed out after 20 ms waiting for the ready line; stderr: boom/);
	});
});

describe('Waiters with a poll', () => {
	it('sees a change nobody announces, and stops polling once nothing waits', async () => {
		const waiters = new Waiters({pollMs: 5});
		let value: string | undefined;
		const seen = waiters.until('the value', () => value, 5000);
		setTimeout(() => {
			value = 'set';
		}, 20);
		assert.equal(await seen, 'set');
		// A poller left running would keep the process alive: the test runner would hang here.
		await pollUntil('a flag set later', (() => {
			let calls = 0;
			return () => ++calls === 3;
		})(), 5000, {pollMs: 1});
	});

	it('runs an async probe one call at a time, and rejects with its error', async () => {
		const waiters = new Waiters({pollMs: 1});
		let running = 0;
		let most = 0;
		let calls = 0;
		const result = await waiters.until('the third answer', async () => {
			running++;
			most = Math.max(most, running);
			await new Promise(resolve => {
				setTimeout(resolve, 10);
			});
			running--;
			return ++calls === 3 ? 'answered' : undefined;
		}, 5000);
		assert.equal(result, 'answered');
		assert.equal(most, 1);
		await assert.rejects(waiters.until('a dial', async () => {
			throw new Error('refused');
		}, 1000), /refused/);
	});

	it('pollUntil names what it waited for at the deadline', async () => {
		await assert.rejects(pollUntil('the screen to clear', () => false, 30, {context: () => '; the screen: x'}), /timed out after 30 ms waiting for the screen to clear; the screen: x/);
	});
});
