// The bot's logic without I/O: an engine event or a stdin line goes in, the
// events to print and the engine calls to make come out. The runner (bot.ts) does the I/O; the
// tests drive this directly with thousands of lines and a plain view of the engine.
import type {ContactPresence, ContactView, EngineEvent, MessageState, OwnIdentityView, OwnPresence, LifecycleState, KeyState} from '../engine/index.js';
import {parseCommandLine, type BotCommand} from './protocol.js';

type Ref = {ref?: string};

export type BotEvent =
	| {type: 'ready'; keyId: string; userId: string; contacts: number}
	| {type: 'lifecycle'; state: LifecycleState}
	| {type: 'tor.progress'; progress: number; summary: string}
	| {type: 'contact.presence'; contact: string; fingerprint: string; presence: ContactPresence; status: string}
	| {type: 'contact.key'; contact: string; fingerprint: string; keyState: KeyState; lines: string[]}
	| {type: 'message.received'; id: string; contact: string; fingerprint: string; text: string; sentAt: string}
	| {type: 'message.state'; id: string; contact: string; fingerprint: string; state: MessageState}
	| ({type: 'contacts'; contacts: Array<{name: string; fingerprint: string; presence: ContactPresence; status: string; hidden: boolean; keyState: KeyState}>} & Ref)
	| ({type: 'certificate'; fingerprint: string; keyId: string; userIds: string[]} & Ref)
	| ({type: 'contact.added'; contact: string; fingerprint: string} & Ref)
	| ({type: 'done'; cmd: BotCommand['cmd']; id?: string} & Ref)
	| ({type: 'error'; scope: 'input' | 'command' | 'exec' | 'tor' | 'onion' | 'registry' | 'session' | 'store'; message: string} & Ref)
	| {type: 'bye'};

/** An incoming message as handed to --exec. */
export type HookMessage = {id: string; contact: string; fingerprint: string; text: string; sentAt: string};

export type EngineCall =
	| ({call: 'send'; contact: string; text: string} & Ref)
	| ({call: 'presence'; state: OwnPresence; status: string; cmd: 'presence' | 'status'} & Ref)
	| ({call: 'hide' | 'show'; contact: string} & Ref)
	| ({call: 'add'; name: string; key?: string; armor?: string; confirm?: string} & Ref)
	| {call: 'exec'; message: HookMessage}
	| {call: 'quit'};

export type BotConfig = {
	/** What the bot answers an accepted incoming message with. */
	reply: 'none' | 'echo' | 'exec';
	/** Names or fingerprints it answers; empty: every contact. */
	acceptFrom: readonly string[];
};

/** What the core may read of the engine: plain data, so a test can make one by hand. */
export type BotView = {
	self: OwnIdentityView;
	contacts: readonly ContactView[];
	presence: {state: OwnPresence; status: string};
};

export type Step = {output: BotEvent[]; calls: EngineCall[]};

const nothing = (): Step => ({output: [], calls: []});
const emit = (...output: BotEvent[]): Step => ({output, calls: []});

function withRef(ref: string | undefined): Ref {
	return ref === undefined ? {} : {ref};
}

/** A contact by exact name, else by fingerprint (spaces and case ignored). */
export function findContact(contacts: readonly ContactView[], nameOrFingerprint: string): ContactView | undefined {
	const byName = contacts.find(contact => contact.name === nameOrFingerprint);
	if (byName) {
		return byName;
	}

	const fingerprint = nameOrFingerprint.replaceAll(/\s/g, '').toUpperCase();
	return contacts.find(contact => contact.fingerprint === fingerprint);
}

function contactName(view: BotView, fingerprint: string): string {
	return view.contacts.find(contact => contact.fingerprint === fingerprint)?.name ?? '';
}

function unknownContact(name: string, ref: string | undefined): Step {
	return emit({type: 'error', scope: 'command', message: `no contact named ${JSON.stringify(name.slice(0, 80))}; list them with {"cmd":"contacts"}`, ...withRef(ref)});
}

/** One stdin line (without its newline). Blank lines are ignored. */
export function onLine(line: string, view: BotView): Step {
	if (line.trim().length === 0) {
		return nothing();
	}

	const parsed = parseCommandLine(line);
	if (!parsed.ok) {
		return emit({type: 'error', scope: 'input', message: parsed.problem, ...withRef(parsed.ref)});
	}

	return onCommand(parsed.command, view);
}

function onCommand(command: BotCommand, view: BotView): Step {
	const ref = command.id;
	switch (command.cmd) {
		case 'send': {
			const contact = findContact(view.contacts, command.to);
			return contact ? {output: [], calls: [{call: 'send', contact: contact.fingerprint, text: command.text, ...withRef(ref)}]} : unknownContact(command.to, ref);
		}

		case 'presence': {
			return {output: [], calls: [{call: 'presence', cmd: 'presence', state: command.state, status: command.status ?? view.presence.status, ...withRef(ref)}]};
		}

		case 'status': {
			return {output: [], calls: [{call: 'presence', cmd: 'status', state: view.presence.state, status: command.text, ...withRef(ref)}]};
		}

		case 'hide':
		case 'show': {
			const contact = findContact(view.contacts, command.contact);
			return contact ? {output: [], calls: [{call: command.cmd, contact: contact.fingerprint, ...withRef(ref)}]} : unknownContact(command.contact, ref);
		}

		case 'add': {
			const {name, key, armor, confirm} = command;
			return {output: [], calls: [{call: 'add', name, ...(key === undefined ? {} : {key}), ...(armor === undefined ? {} : {armor}), ...(confirm === undefined ? {} : {confirm}), ...withRef(ref)}]};
		}

		case 'contacts': {
			return emit({
				type: 'contacts',
				contacts: view.contacts.map(contact => ({name: contact.name, fingerprint: contact.fingerprint, presence: contact.presence, status: contact.status, hidden: contact.hidden, keyState: contact.keyState})),
				...withRef(ref),
			});
		}

		case 'quit': {
			return {output: [], calls: [{call: 'quit'}]};
		}
	}
}

function accepts(config: BotConfig, contact: ContactView | undefined, fingerprint: string): boolean {
	if (config.acceptFrom.length === 0) {
		return true;
	}

	return config.acceptFrom.some(entry => entry === contact?.name || entry.replaceAll(/\s/g, '').toUpperCase() === fingerprint);
}

/** One engine event. */
export function onEngineEvent(event: EngineEvent, view: BotView, config: BotConfig): Step {
	switch (event.type) {
		case 'lifecycle': {
			const lifecycle: BotEvent = {type: 'lifecycle', state: event.state};
			return event.state === 'ready'
				? emit(lifecycle, {type: 'ready', keyId: view.self.keyId, userId: view.self.userId, contacts: view.contacts.length})
				: emit(lifecycle);
		}

		case 'tor.bootstrap': {
			return emit({type: 'tor.progress', progress: event.progress, summary: event.summary});
		}

		case 'contact.online': {
			const contact = view.contacts.find(entry => entry.fingerprint === event.contact);
			const presence = contact && contact.presence !== 'offline' ? contact.presence : 'online';
			return emit({type: 'contact.presence', contact: contact?.name ?? '', fingerprint: event.contact, presence, status: contact?.status ?? ''});
		}

		case 'contact.presence': {
			return emit({type: 'contact.presence', contact: contactName(view, event.contact), fingerprint: event.contact, presence: event.state, status: event.status});
		}

		case 'contact.offline': {
			return emit({type: 'contact.presence', contact: contactName(view, event.contact), fingerprint: event.contact, presence: 'offline', status: ''});
		}

		case 'contact.key': {
			return emit({type: 'contact.key', contact: contactName(view, event.contact), fingerprint: event.contact, keyState: event.keyState, lines: event.lines});
		}

		case 'message.received': {
			return onMessage(event.message, view, config);
		}

		case 'message.state': {
			return emit({type: 'message.state', id: event.id, contact: contactName(view, event.contact), fingerprint: event.contact, state: event.state});
		}

		case 'error': {
			return emit({type: 'error', scope: event.scope, message: event.message});
		}

		case 'registry.published':
		case 'registry.nodes':
		case 'contact.typing':
		case 'contacts.changed':
		case 'onion.changed': {
			return nothing();
		}
	}
}

/** The sender's claimed time; a claim no Date can hold becomes "" rather than an exception. */
function isoTime(ms: number): string {
	const date = new Date(ms);
	return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

function onMessage(message: Extract<EngineEvent, {type: 'message.received'}>['message'], view: BotView, config: BotConfig): Step {
	const contact = view.contacts.find(entry => entry.fingerprint === message.contact);
	const received: HookMessage = {id: message.id, contact: contact?.name ?? '', fingerprint: message.contact, text: message.body, sentAt: isoTime(message.createdAt)};
	const output: BotEvent[] = [{type: 'message.received', ...received}];
	if (message.direction !== 'in' || config.reply === 'none' || !accepts(config, contact, message.contact)) {
		return {output, calls: []};
	}

	return {output, calls: [config.reply === 'echo' ? {call: 'send', contact: message.contact, text: message.body} : {call: 'exec', message: received}]};
}
