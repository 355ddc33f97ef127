// The one way the screen tests draw the chat: ink-testing-library, a fake
// engine, a fixed terminal size, and waits on what the frame shows, never sleeps.
import {cleanup, render} from 'ink-testing-library';
import {ChatApp, type ChatAppProps} from '../../source/screens/chat-app.js';
import {FakeEngine} from '../helpers/fake-engine.js';
import {Waiters} from '../helpers/waiters.js';

export type Rendered = {
	engine: FakeEngine;
	/** The last frame drawn, with colours and styles removed. */
	frame: () => string;
	/** Every byte written to the terminal, escape sequences included. */
	raw: () => string;
	/** Keys as the terminal sends them: '\r' Enter, '\u001B[A' Up, '\u0003' Ctrl-C. */
	press: (data: string) => void;
	waitFor: (label: string, predicate: (frame: string) => boolean, timeoutMs?: number) => Promise<string>;
	resize: (columns: number, rows: number) => void;
	quits: () => number;
	unmount: () => void;
};

// eslint-disable-next-line no-control-regex -- SGR sequences are what this removes
const sgr = /\u001B\[[\d;]*m/g;

export function renderChat(options: {engine?: FakeEngine; columns?: number; rows?: number; props?: Partial<ChatAppProps>} = {}): Rendered {
	const engine = options.engine ?? new FakeEngine();
	let quitCount = 0;
	let size = {columns: options.columns ?? 80, rows: options.rows ?? 23};
	const element = () => <ChatApp engine={engine} size={size} onQuit={() => quitCount++} cwd={process.cwd()} {...options.props} />;
	const instance = render(element());
	const frame = () => (instance.lastFrame() ?? '').replace(sgr, '');
	// Ink draws on its own schedule and says nothing: poll the frame.
	const waiters = new Waiters({pollMs: 5});
	return {
		engine,
		frame,
		raw: () => instance.frames.join(''),
		press: data => instance.stdin.write(data),
		async waitFor(label, predicate, timeoutMs = 30_000) {
			return waiters.until(label, () => (predicate(frame()) ? frame() : undefined), timeoutMs, () => `; the screen was:\n${frame()}`);
		},
		resize(columns, rows) {
			size = {columns, rows};
			instance.rerender(element());
		},
		quits: () => quitCount,
		unmount() {
			instance.unmount();
			cleanup();
		},
	};
}
