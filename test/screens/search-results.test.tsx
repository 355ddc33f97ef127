// /search -a: a capped list says so and how to narrow it; Down and Enter open the chosen
// result's conversation (another contact's, far back in its history) at that message.
import {test} from 'node:test';
import {contactView, FakeEngine, fakeFingerprint} from '../helpers/fake-engine.js';
import {renderChat} from './render.js';

test('capped results say so; Enter on a result opens its conversation at that message', async () => {
	const engine = new FakeEngine();
	const alice = fakeFingerprint(1);
	const zed = fakeFingerprint(2);
	engine.addContactView(contactView('alice', alice));
	engine.addContactView(contactView('zed', zed));
	engine.seedHistory(alice, 5);
	engine.seedHistory(zed, 250, index => ({body: `hit ${String(index + 1).padStart(4, '0')}`}));
	const screen = renderChat({engine});
	try {
		await screen.waitFor('alice open', frame => frame.includes('message 5'));
		screen.press('/search -a hit\r');
		await screen.waitFor('the capped list', frame => frame.includes('the newest 100 shown, more match: add words to narrow it'));
		screen.press('\u001B[B');
		await screen.waitFor('the second result chosen', frame => /^> .*hit 0002/m.test(frame));
		screen.press('\r');
		await screen.waitFor('zed open at hit 0002, far back', frame => {
			const rows = frame.split('\n');
			const top = rows.findIndex(row => row.includes('zed │'));
			return top >= 0 && (rows[top + 1] ?? '').includes('hit 0002') && frame.includes('scrolled back') && !frame.includes('Search "');
		});
	} finally {
		screen.unmount();
	}
});
