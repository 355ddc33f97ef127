// /status answers at once and the last command wins: a slow change (going invisible changes the
// onion address) reports when it finishes only if nothing replaced it meanwhile.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import type {OwnPresence} from '../../source/engine/index.js';
import {FakeEngine} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

class SlowPresenceEngine extends FakeEngine {
	readonly pending: Array<{state: OwnPresence; finish: () => void}> = [];
	finished = 0;

	override async setPresence(state: OwnPresence, status?: string): Promise<void> {
		// The state is taken at once (as the real engine does); the rotation finishes later.
		await super.setPresence(state, status);
		await new Promise<void>(resolve => {
			this.pending.push({state, finish: resolve});
		});
		this.finished++;
	}
}

test('/status invisible then /status online: immediate feedback, and online wins on the bar and the notice', async () => {
	const engine = new SlowPresenceEngine();
	const screen = renderChat({engine});
	try {
		screen.press('/status invisible\r');
		await screen.waitFor('invisible at once, before the rotation finishes', frame => frame.includes('◌ invisible') && frame.includes('You are invisible'));
		assert.equal(engine.pending.length, 1);
		screen.press('/status online\r');
		await screen.waitFor('online at once', frame => frame.includes('● online') && frame.includes('You are online') && !frame.includes('invisible'));
		// The invisible change finishes after the online one: it must not speak for the past.
		engine.pending[1]!.finish();
		engine.pending[0]!.finish();
		await screen.waitFor('both changes finished', () => engine.finished === 2);
		// What the finished changes dispatched was dispatched in the microtasks before this poll.
		const frame = await screen.waitFor('the frame after both finished', text => text.includes('● online'));
		assert.ok(frame.includes('● online'), frame);
		assert.doesNotMatch(frame, /You are invisible/, frame);
	} finally {
		screen.unmount();
	}
});
