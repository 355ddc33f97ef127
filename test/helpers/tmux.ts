// A real terminal for end-to-end tests of the TUI: one tmux server of the test's own (-L), so
// nothing of the user's tmux is touched. Waits are on what capture-pane shows, polled (Waiters)
// with a deadline; every distinct screen seen is kept so a failing test can save them as artifacts.
import {execFileSync} from 'node:child_process';
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {Waiters} from './waiters.js';

export class TmuxTerminal {
	readonly socket: string;
	readonly screens: string[] = [];
	readonly #session = 'umbra';
	readonly #waiters = new Waiters({pollMs: 100});

	constructor(name: string, readonly size = {columns: 100, rows: 30}) {
		this.socket = `umbra-${name}-${process.pid}`;
	}

	run(...args: string[]): string {
		return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8'});
	}

	/** Starts `command` (a shell line) in a new pane; CI=true is cleared, since Ink then stops drawing. */
	start(command: string, env: Record<string, string> = {}): void {
		const assignments = Object.entries(env).map(([key, value]) => `${key}=${shellQuote(value)}`).join(' ');
		this.run('new-session', '-d', '-s', this.#session, '-x', String(this.size.columns), '-y', String(this.size.rows), `env -u CI ${assignments} ${command}`);
		// Keep the pane after the program exits, to see how it ended.
		this.run('set-option', '-t', this.#session, 'remain-on-exit', 'on');
	}

	capture(): string {
		const screen = this.run('capture-pane', '-p', '-t', this.#session);
		if (this.screens.at(-1) !== screen) {
			this.screens.push(screen);
		}

		return screen;
	}

	/** Types literal text (no key names). */
	type(text: string): void {
		this.run('send-keys', '-t', this.#session, '-l', text);
	}

	key(...names: string[]): void {
		this.run('send-keys', '-t', this.#session, ...names);
	}

	/** True once the program in the pane has exited (remain-on-exit keeps the pane). */
	exited(): boolean {
		return this.run('display-message', '-p', '-t', this.#session, '#{pane_dead}').trim() === '1';
	}

	async waitFor(label: string, predicate: (screen: string) => boolean, timeoutMs: number): Promise<string> {
		return this.#waiters.until(label, () => {
			const screen = this.capture();
			return predicate(screen) ? screen : undefined;
		}, timeoutMs, () => `; the screen:\n${this.screens.at(-1) ?? ''}`);
	}

	/** Writes every screen seen to test-artifacts/NAME-PID/, and says where. */
	saveScreens(root: string, name: string): string {
		const directory = join(root, 'test-artifacts', `${name}-${process.pid}`);
		mkdirSync(directory, {recursive: true});
		for (const [index, screen] of this.screens.entries()) {
			writeFileSync(join(directory, `screen-${String(index).padStart(3, '0')}.txt`), screen);
		}

		return directory;
	}

	kill(): void {
		try {
			this.run('kill-server');
		} catch {
			// Already gone.
		}
	}
}

function shellQuote(value: string): string {
	return `'${value.replaceAll('\'', '\'\\\'\'')}'`;
}
