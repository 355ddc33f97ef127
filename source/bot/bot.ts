// The bot's I/O around the pure core: engine events and stdin lines in, NDJSON (or text) out,
// engine calls made one at a time in the order the commands came (so two sends keep their
// order), --exec hooks through a bounded pool. It returns after "quit" or when the signal aborts,
// having said bye and stopped the engine; closing the profile (the store) is the caller's.
import type {Readable, Writable} from 'node:stream';
import {readCertificates, type Certificate} from '../keys/index.js';
import type {EngineApi, EngineEvent} from '../engine/index.js';
import {onEngineEvent, onLine, type BotConfig, type BotEvent, type BotView, type EngineCall, type Step} from './core.js';
import {formatEvent, type OutputFormat} from './format.js';
import type {HookPool} from './exec-hook.js';
import {LineSplitter} from './lines.js';

export type BotOptions = {
	engine: EngineApi;
	input: Readable;
	output: Writable;
	/** Diagnostics for people; events never go here. */
	diagnostics: Writable;
	config: BotConfig;
	format: OutputFormat;
	/** Required when config.reply is 'exec'. */
	hooks?: HookPool;
	signal: AbortSignal;
	/** --status: the status text to show once the engine runs. */
	status?: string;
	now?: () => Date;
};

/** Longest stdin line: an armored certificate fits; a runaway producer does not fill memory. */
export const maxLineBytes = 256 * 1024;

export async function runBot(options: BotOptions): Promise<void> {
	const {engine, input, output, diagnostics, config, format, hooks, signal} = options;
	const now = options.now ?? (() => new Date());
	let outputBroken = false;
	const write = (event: BotEvent) => {
		if (outputBroken) {
			return;
		}

		output.write(`${formatEvent(event, now(), format)}\n`);
	};

	const view = (): BotView => ({self: engine.self, contacts: engine.contacts(), presence: engine.status().presence});
	let finish: () => void = () => undefined;
	const finished = new Promise<void>(resolve => {
		finish = resolve;
	});
	let calls = Promise.resolve();
	// Once stopping, hooks killed on the way out are not news: nothing follows bye.
	let stopping = false;

	const perform = (step: Step) => {
		for (const event of step.output) {
			write(event);
		}

		for (const call of step.calls) {
			if (call.call === 'quit') {
				finish();
			} else if (call.call === 'exec') {
				void runHook(call.message);
			} else {
				// One at a time, in order; a failed call is an event, and the chain goes on.
				calls = calls.then(async () => {
					for (const event of await callEngine(engine, call)) {
						write(event);
					}
				});
			}
		}
	};

	const runHook = async (message: Extract<EngineCall, {call: 'exec'}>['message']) => {
		if (!hooks) {
			return;
		}

		const result = await hooks.run(message);
		if (stopping) {
			return;
		}

		if (!result.ok) {
			write({type: 'error', scope: 'exec', message: `no reply to message ${message.id}: ${result.problem}`});
		} else if (result.reply.length > 0) {
			perform({output: [], calls: [{call: 'send', contact: message.fingerprint, text: result.reply}]});
		}
	};

	const unsubscribe = engine.subscribe((event: EngineEvent) => {
		perform(onEngineEvent(event, view(), config));
	});
	const onAbort = () => {
		finish();
	};

	signal.addEventListener('abort', onAbort, {once: true});
	try {
		if (signal.aborted) {
			return;
		}

		// SIGTERM while Tor still bootstraps must not wait for the bootstrap to end.
		let aborted = false;
		await Promise.race([engine.start(), finished.then(() => {
			aborted = true;
		})]);
		if (aborted) {
			return;
		}

		if (options.status !== undefined) {
			perform({output: [], calls: [{call: 'presence', cmd: 'status', state: engine.status().presence.state, status: options.status}]});
		}

		const splitter = new LineSplitter(maxLineBytes);
		const onData = (chunk: Buffer | string) => {
			for (const item of splitter.push(chunk)) {
				perform(item.ok ? onLine(item.line, view()) : {output: [{type: 'error', scope: 'input', message: item.problem}], calls: []});
			}
		};

		// End of input is not a quit: an unattended bot often runs with stdin closed.
		const onEnd = () => {
			const rest = splitter.end();
			if (rest) {
				perform(rest.ok ? onLine(rest.line, view()) : {output: [{type: 'error', scope: 'input', message: rest.problem}], calls: []});
			}
		};

		const onInputError = (error: Error) => {
			diagnostics.write(`umbra bot: standard input failed (${error.message}); no more commands will be read.\n`);
		};

		// A reader that went away (EPIPE) cannot be told anything more: stop cleanly.
		const onOutputError = (error: Error) => {
			diagnostics.write(`umbra bot: standard output failed (${error.message}); stopping.\n`);
			outputBroken = true;
			finish();
		};

		input.on('data', onData);
		input.on('end', onEnd);
		input.on('error', onInputError);
		output.on('error', onOutputError);
		await finished;
		input.off('data', onData);
		input.off('end', onEnd);
		input.pause();
	} finally {
		signal.removeEventListener('abort', onAbort);
		stopping = true;
		hooks?.stop();
		// Commands already read are carried out before bye, so their answers come first.
		await calls;
		try {
			await engine.stop();
		} catch (error) {
			diagnostics.write(`umbra bot: stopping the engine failed: ${(error as Error).message}\n`);
		}

		unsubscribe();
		// Last, so a reader that sees bye knows contacts were told and nothing else follows.
		write({type: 'bye'});
	}
}

function errorMessage(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

async function callEngine(engine: EngineApi, call: Exclude<EngineCall, {call: 'quit' | 'exec'}>): Promise<BotEvent[]> {
	const ref = call.ref === undefined ? {} : {ref: call.ref};
	try {
		switch (call.call) {
			case 'send': {
				const message = await engine.send(call.contact, call.text);
				return call.ref === undefined ? [] : [{type: 'done', cmd: 'send', id: message.id, ...ref}];
			}

			case 'presence': {
				await engine.setPresence(call.state, call.status);
				return [{type: 'done', cmd: call.cmd, ...ref}];
			}

			case 'hide':
			case 'show': {
				await engine[call.call](call.contact);
				return [{type: 'done', cmd: call.call, ...ref}];
			}

			case 'add': {
				return await addContact(engine, call);
			}
		}
	} catch (error) {
		return [{type: 'error', scope: 'command', message: `${call.call} failed: ${errorMessage(error)}`, ...ref}];
	}
}

async function certificateFor(engine: EngineApi, call: Extract<EngineCall, {call: 'add'}>): Promise<Certificate> {
	if (call.key !== undefined) {
		return engine.fetchCertificate(call.key);
	}

	const {certificates, rejected} = await readCertificates(call.armor ?? '');
	const [certificate] = certificates;
	if (certificates.length !== 1 || !certificate) {
		const reasons = rejected.map(entry => entry.reason).join('; ');
		throw new Error(`"armor" must hold exactly one usable certificate; it holds ${certificates.length}${reasons ? ` (refused: ${reasons})` : ''}`);
	}

	return certificate;
}

async function addContact(engine: EngineApi, call: Extract<EngineCall, {call: 'add'}>): Promise<BotEvent[]> {
	const ref = call.ref === undefined ? {} : {ref: call.ref};
	const certificate = await certificateFor(engine, call);
	if (call.confirm === undefined) {
		return [{type: 'certificate', fingerprint: certificate.fingerprint, keyId: certificate.keyId, userIds: certificate.userIds, ...ref}];
	}

	if (certificate.fingerprint.toUpperCase() !== call.confirm) {
		return [{type: 'error', scope: 'command', message: `add: the certificate's fingerprint is ${certificate.fingerprint}, not the ${call.confirm} given in "confirm"; nothing was added`, ...ref}];
	}

	const contact = await engine.addContact(certificate, call.name);
	return [{type: 'contact.added', contact: contact.name, fingerprint: contact.fingerprint, ...ref}];
}
