// Runs the chat screen on a terminal until the user quits: the alternate screen and bracketed
// paste on, Ink rendering one row short of the terminal (a frame as tall as the terminal makes
// Ink clear the whole screen on every update), resize followed, and on the way out the engine
// stopped (contacts get their bye) before the terminal is given back.
import {render} from 'ink';
import {useEffect, useState} from 'react';
import type {EngineApi} from '../engine/index.js';
import {ChatApp} from './chat-app.js';
import {ColorContext} from './colors.js';
import type {ChatSize} from './use-chat.js';

type TerminalOut = NodeJS.WritableStream & {columns?: number; rows?: number; isTTY?: boolean; on(event: 'resize', listener: () => void): unknown; off(event: 'resize', listener: () => void): unknown};

export type RunChatOptions = {
	engine: EngineApi;
	stdin: NodeJS.ReadableStream;
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	settings?: {autoAwayMinutes: number; bell: boolean};
	/** The own public key, armored, for /export. */
	exportPublicKey?: () => string;
	/** engine.start() if the caller started it alongside: a failure is shown on the screen. */
	startup?: Promise<unknown>;
	/** NO_COLOR is set: symbols and words only. */
	noColor?: boolean;
	/** Aborted (SIGTERM, SIGINT): leave as with /quit. */
	signal?: AbortSignal;
	cwd?: string;
};

const enterScreen = '\u001B[?1049h\u001B[?2004h';
const leaveScreen = '\u001B[?2004l\u001B[?1049l';
const clearScreen = '\u001B[2J\u001B[3J\u001B[H';
const minimum: ChatSize = {columns: 80, rows: 24};

function sizeOf(stdout: TerminalOut): ChatSize {
	return {columns: Math.max(40, stdout.columns ?? minimum.columns), rows: Math.max(10, (stdout.rows ?? minimum.rows) - 1)};
}

export async function runChat(options: RunChatOptions): Promise<void> {
	const {engine, settings} = options;
	const stdout = options.stdout as TerminalOut;
	let resolveQuit: () => void = () => undefined;
	const quitRequested = new Promise<void>(resolve => {
		resolveQuit = resolve;
	});
	const onAbort = () => resolveQuit();
	options.signal?.addEventListener('abort', onAbort, {once: true});
	if (options.signal?.aborted) {
		resolveQuit();
	}

	function Root() {
		const [size, setSize] = useState(() => sizeOf(stdout));
		useEffect(() => {
			const onResize = () => setSize(sizeOf(stdout));
			stdout.on('resize', onResize);
			return () => {
				stdout.off('resize', onResize);
			};
		}, []);
		return (
			<ColorContext.Provider value={!options.noColor}>
				<ChatApp
					engine={engine}
					size={size}
					onQuit={resolveQuit}
					onRedraw={() => stdout.write(clearScreen)}
					bell={settings?.bell === false ? undefined : () => stdout.write('\u0007')}
					autoAwayMinutes={settings?.autoAwayMinutes ?? 0}
					exportPublicKey={options.exportPublicKey}
					cwd={options.cwd ?? process.cwd()}
					startup={options.startup}
				/>
			</ColorContext.Provider>
		);
	}

	stdout.write(enterScreen);
	const instance = render(<Root />, {
		stdin: options.stdin as NodeJS.ReadStream,
		stdout: options.stdout as NodeJS.WriteStream,
		stderr: options.stderr as NodeJS.WriteStream,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	try {
		await Promise.race([quitRequested, instance.waitUntilExit()]);
		await engine.stop();
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
		instance.unmount();
		instance.cleanup();
		stdout.write(leaveScreen);
	}
}
