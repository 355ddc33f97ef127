// Paging back through a long history on the rendered screen: every message shows exactly once, in
// order, from the newest to the oldest, whatever the lengths and wrapping, and while messages
// keep arriving; End jumps back to the newest.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {contactView, FakeEngine, fakeFingerprint} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

const pageUp = '\u001B[5~';
const total = 2000;
const tag = (index: number) => `#${String(index).padStart(4, '0')}`;

/** Message tags drawn in the conversation, top to bottom (only first rows carry one). */
function tagsIn(frame: string): number[] {
	return [...frame.matchAll(/#(\d{4})\b/g)].map(match => Number(match[1]));
}

function filler(index: number): string {
	// Lengths from one word to several wrapped rows, a long unbroken word now and then.
	const words = (index * 7919) % 23;
	return index % 13 === 0 ? 'x'.repeat(90 + (index % 40)) : Array.from({length: words}, (_, word) => `w${word}`).join(' ');
}

test('PageUp from the newest to the oldest of 2,000 messages shows each once, in order, while others arrive', async () => {
	const engine = new FakeEngine();
	const alice = fakeFingerprint(1);
	engine.addContactView(contactView('alice', alice));
	engine.seedHistory(alice, total, index => ({body: `${tag(index + 1)} ${filler(index + 1)}`}));
	const screen = renderChat({engine, columns: 80, rows: 16});
	try {
		let frame = await screen.waitFor('the newest message', text => tagsIn(text).includes(total));
		let seen = tagsIn(frame).filter(index => index <= total);
		let oldestSeen = Math.min(...seen);
		const order: number[] = [...seen].reverse();
		let presses = 0;
		while (oldestSeen > 1) {
			presses++;
			assert.ok(presses < 5000, 'paging never reached the oldest message');
			// Echoes keep coming in while the user reads back: the view must not move for them.
			if (presses % 3 === 0) {
				engine.receive(alice, `late ${presses} ${'echo '.repeat(presses % 17)}`);
			}

			const before = frame;
			screen.press(pageUp);
			frame = await screen.waitFor(`page ${presses} to move past ${tag(oldestSeen)}`, text => text !== before && tagsIn(text).some(index => index < oldestSeen), 5000);
			seen = tagsIn(frame).filter(index => index <= total);
			assert.deepEqual(seen, seen.map((_, index) => seen[0]! + index), `a page shows consecutive messages:\n${frame}`);
			// No gap: the newest message on this page is at most one before the oldest seen so far.
			assert.ok(Math.max(...seen) >= oldestSeen - 1, `messages ${tag(Math.max(...seen) + 1)}..${tag(oldestSeen - 1)} were skipped:\n${before}\n${frame}`);
			for (const index of [...seen].reverse()) {
				if (index < oldestSeen) {
					order.push(index);
				}
			}

			oldestSeen = Math.min(oldestSeen, ...seen);
		}

		assert.deepEqual(order, Array.from({length: total}, (_, index) => total - index));
		const newest = `late ${presses - (presses % 3)} `;
		// End from the contacts pane, G from the conversation pane: both back to the newest, following again.
		screen.press('\t');
		screen.press('\u001B[F');
		await screen.waitFor('End back at the newest', text => text.includes(newest) && !text.includes('scrolled back'));
		screen.press(pageUp);
		await screen.waitFor('scrolled back again', text => text.includes('scrolled back'));
		screen.press('\t');
		screen.press('G');
		await screen.waitFor('G back at the newest', text => text.includes(newest) && !text.includes('scrolled back'));
		engine.receive(alice, 'after G');
		await screen.waitFor('new messages followed again', text => text.includes('after G'));
	} finally {
		screen.unmount();
	}
});
