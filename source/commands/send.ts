// umbra send: one message to one contact, then exit. The engine comes online towards that
// contact only (only: [its fingerprint]: it publishes for and dials no one else), the message is
// stored in the outbox first, and the command waits for the contact's ack up to --timeout. Not
// delivered in time: exit notDelivered with the reason; the message stays in the outbox and goes
// out the next time umbra runs with that contact online.
import {openEngine, type EngineEvent} from '../engine/index.js';
import {exitCodes, type ExitCode} from '../exit-codes.js';
import {numberFlag, stringFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, debugFlag, passphraseFileFlag} from './common-flags.js';
import {networkFlags, networkOptions} from './network-flags.js';
import {debugOption, openProfileFor} from './open.js';
import {torNotReady} from './tor-state.js';

const defaultTimeoutSeconds = 120;

async function readStdin(context: CommandContext): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of context.stdin) {
		chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
	}

	return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function messageText(context: CommandContext): Promise<string> {
	if (context.input.length > 0) {
		return context.input.join(' ');
	}

	if (context.stdin.isTTY) {
		throw new UsageError('No message: give it as arguments (umbra send --to NAME hello) or on standard input.');
	}

	return readStdin(context);
}

/** tor: the user's own Tor was not ready (exit 6), rather than the contact not answering (exit 7). */
type Outcome = {delivered: true} | {delivered: false; reason: string; tor?: boolean};

export const sendCommand: Command = {
	name: 'send',
	usage: 'umbra send --to NAME [TEXT... | < FILE] [--timeout SECONDS]',
	summary: 'Send one message and wait until it is delivered',
	description: [
		'Comes online towards NAME only (publishes for and dials no one else), also when you are invisible',
		'(for this run; the remembered state stays), sends TEXT (or standard input), and waits for the contact\'s',
		'acknowledgement. Exit 0 when delivered; otherwise the reason is on standard error, the exit code is 7',
		'(6 when the own Tor was not ready), and the message stays queued for the next time umbra runs.',
	].join('\n'),
	flags: {
		to: {type: 'string', valueName: 'NAME', description: 'The contact (name or fingerprint)'},
		timeout: {type: 'number', valueName: 'SECONDS', default: defaultTimeoutSeconds, description: `How long to wait for delivery (default: ${defaultTimeoutSeconds})`},
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
		...networkFlags,
		debug: debugFlag,
	},
	async run(context) {
		const to = stringFlag(context, 'to');
		if (to === undefined || to.trim() === '') {
			throw new UsageError('Say who to send to: --to NAME (see the names with `umbra contacts`).');
		}

		const timeoutSeconds = numberFlag(context, 'timeout') ?? defaultTimeoutSeconds;
		if (!(timeoutSeconds > 0)) {
			throw new UsageError('--timeout must be a positive number of seconds.');
		}

		const text = await messageText(context);
		if (text.length === 0) {
			throw new UsageError('The message is empty; there is nothing to send.');
		}

		const network = networkOptions(context);
		const profile = await openProfileFor(context);
		try {
			const asFingerprint = to.replaceAll(/\s/g, '').toUpperCase();
			const contact = profile.store.getContactByName(to) ?? (/^[\dA-F]{40}$/.test(asFingerprint) ? profile.store.getContact(asFingerprint) : undefined);
			if (!contact) {
				context.stderr.write(`umbra send: there is no contact named "${to}". See the names with \`umbra contacts\`.\n`);
				return exitCodes.notFound;
			}

			// Sending is coming online towards NAME, also for a user invisible to everyone else.
			const presence = profile.store.ownPresence()?.state === 'invisible' ? {presence: 'online' as const} : {};
			const engine = await openEngine({profile, ...network, only: [contact.fingerprint], ...presence, ...debugOption(context)});
			const outcome = await deliver(context, engine, contact, text, timeoutSeconds);
			if (outcome.delivered) {
				return exitCodes.ok;
			}

			context.stderr.write(`umbra send: not delivered to ${contact.name}: ${outcome.reason}. The message stays queued and is sent the next time umbra runs while ${contact.name} is online.\n`);
			return (outcome.tor === true ? exitCodes.torUnreachable : exitCodes.notDelivered) satisfies ExitCode;
		} finally {
			profile.close();
		}
	},
};

async function deliver(context: CommandContext, engine: Awaited<ReturnType<typeof openEngine>>, contact: {fingerprint: string; name: string}, text: string, timeoutSeconds: number): Promise<Outcome> {
	let online = false;
	let lastError: string | undefined;
	let messageId: string | undefined;
	let settle: (outcome: Outcome) => void = () => undefined;
	const settled = new Promise<Outcome>(resolve => {
		settle = resolve;
	});
	// Events can arrive before send() resolves with the ID: keep the states seen per ID.
	const states = new Map<string, string>();
	const check = () => {
		if (messageId === undefined) {
			return;
		}

		const state = states.get(messageId);
		if (state === 'delivered') {
			settle({delivered: true});
		} else if (state === 'failed') {
			settle({delivered: false, reason: 'the message failed'});
		}
	};

	const unsubscribe = engine.subscribe((event: EngineEvent) => {
		if (event.type === 'contact.online' && event.contact === contact.fingerprint) {
			online = true;
		} else if (event.type === 'message.state' && event.contact === contact.fingerprint) {
			states.set(event.id, event.state);
			check();
		} else if (event.type === 'error') {
			lastError = `${event.scope}: ${event.message}`;
		}
	});
	const timer = setTimeout(() => {
		// The user's own Tor comes first: a contact is not blamed for it.
		const torProblem = torNotReady(engine.status());
		if (torProblem !== undefined) {
			settle({delivered: false, reason: `Tor was not ready within ${timeoutSeconds} s: ${torProblem}`, tor: true});
			return;
		}

		const why = online ? `${contact.name} was online but did not acknowledge it within ${timeoutSeconds} s` : `${contact.name} did not come online within ${timeoutSeconds} s`;
		settle({delivered: false, reason: lastError && !online ? `${why} (last problem: ${lastError})` : why});
	}, timeoutSeconds * 1000);
	const onAbort = () => {
		settle({delivered: false, reason: 'interrupted'});
	};

	context.signal.addEventListener('abort', onAbort, {once: true});
	try {
		// A start that hangs (Tor never bootstraps) still ends at the timeout.
		const started = await Promise.race([engine.start().then(() => undefined), settled]);
		if (started !== undefined) {
			return started;
		}

		const message = await engine.send(contact.fingerprint, text);
		messageId = message.id;
		if (message.state === 'delivered') {
			states.set(message.id, 'delivered');
		}

		check();
		return await settled;
	} finally {
		clearTimeout(timer);
		context.signal.removeEventListener('abort', onAbort);
		unsubscribe();
		try {
			await engine.stop();
		} catch (error) {
			context.stderr.write(`umbra send: stopping the engine failed: ${(error as Error).message}\n`);
		}
	}
}
