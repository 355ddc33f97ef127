// The one waiting helper every recorder and child-process helper uses: it resolves on a wake,
// rejects when the probe throws, and names what it waited for at its deadline.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {Waiters} from './waiters.js';

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
