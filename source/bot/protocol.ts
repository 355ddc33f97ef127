// The bot's wire format: NDJSON commands read from stdin, NDJSON events written to stdout. The
// two tables below are the documentation (the man page is generated from them), and the parser
// is the edge where untrusted lines become typed values: anything it cannot type is an error
// event that names the problem, never an exception.
import type {OwnPresence} from '../engine/index.js';

export type BotCommand =
	| {cmd: 'send'; id?: string; to: string; text: string}
	| {cmd: 'presence'; id?: string; state: OwnPresence; status?: string}
	| {cmd: 'status'; id?: string; text: string}
	| {cmd: 'hide'; id?: string; contact: string}
	| {cmd: 'show'; id?: string; contact: string}
	| {cmd: 'add'; id?: string; name: string; key?: string; armor?: string; confirm?: string}
	| {cmd: 'contacts'; id?: string}
	| {cmd: 'quit'; id?: string};

export type BotCommandName = BotCommand['cmd'];

type FieldSpec = {name: string; required: boolean; description: string};
export type BotCommandDoc = {cmd: BotCommandName; fields: FieldSpec[]; description: string};

const idField: FieldSpec = {name: 'id', required: false, description: 'any string; echoed as "ref" in the events this command causes'};

/** Every command the bot reads, with its fields: the parser and the man page both use it. */
export const botCommandTable: readonly BotCommandDoc[] = [
	{cmd: 'send', fields: [{name: 'to', required: true, description: 'contact name or fingerprint'}, {name: 'text', required: true, description: 'message text'}, idField], description: 'Queue a message; message.state events follow (queued, sent, delivered).'},
	{cmd: 'presence', fields: [{name: 'state', required: true, description: 'online, away, busy or invisible'}, {name: 'status', required: false, description: 'status text (default: keep the current one)'}, idField], description: 'Set the presence shown to contacts.'},
	{cmd: 'status', fields: [{name: 'text', required: true, description: 'status text ("" clears it)'}, idField], description: 'Set the status text, keeping the presence state.'},
	{cmd: 'hide', fields: [{name: 'contact', required: true, description: 'contact name or fingerprint'}, idField], description: 'Appear offline to that contact: to them it looks as if you exited (the onion address rotates).'},
	{cmd: 'show', fields: [{name: 'contact', required: true, description: 'contact name or fingerprint'}, idField], description: 'Stop appearing offline to that contact.'},
	{
		cmd: 'add',
		fields: [
			{name: 'name', required: true, description: 'local name for the contact'},
			{name: 'key', required: false, description: 'long key ID (16 hex) or fingerprint (40 hex), fetched from the keyservers over Tor'},
			{name: 'armor', required: false, description: 'an ASCII-armored certificate instead of "key"'},
			{name: 'confirm', required: false, description: 'the full 40-hex fingerprint the certificate must have; without it the bot only shows the certificate'},
			idField,
		],
		description: 'Add a contact. Without "confirm" a "certificate" event shows the fingerprint and user IDs and nothing is added; repeat the command with "confirm" set to that fingerprint.',
	},
	{cmd: 'contacts', fields: [idField], description: 'List contacts (one "contacts" event).'},
	{cmd: 'quit', fields: [idField], description: 'Say bye to contacts, flush the store and exit 0.'},
];

export type BotEventDoc = {type: string; fields: string; description: string};

/** Every event the bot writes; each also has "type" and "ts" (ISO 8601 time). */
export const botEventTable: readonly BotEventDoc[] = [
	{type: 'ready', fields: 'keyId, userId, contacts', description: 'The engine runs: Tor is up, the onion service is published.'},
	{type: 'lifecycle', fields: 'state', description: 'Engine lifecycle: starting, connecting-tor, publishing, ready, stopping, stopped.'},
	{type: 'tor.progress', fields: 'progress, summary', description: 'Tor bootstrap progress in percent.'},
	{type: 'contact.presence', fields: 'contact, fingerprint, presence, status', description: 'A contact came online, changed presence or went offline.'},
	{type: 'contact.key', fields: 'contact, fingerprint, keyState, lines', description: 'A contact\'s key changed: revoked or expired (umbra stops talking to them), valid again, or a new expiry date; lines say it in words.'},
	{type: 'message.received', fields: 'id, contact, fingerprint, text, sentAt', description: 'A message arrived (already stored).'},
	{type: 'message.state', fields: 'id, contact, fingerprint, state, ref', description: 'An outgoing message is queued, sent, delivered or failed.'},
	{type: 'contacts', fields: 'contacts (name, fingerprint, presence, status, hidden, keyState: valid, expired or revoked), ref', description: 'Answer to the "contacts" command.'},
	{type: 'certificate', fields: 'fingerprint, keyId, userIds, ref', description: 'Answer to "add" without "confirm": what would be added.'},
	{type: 'contact.added', fields: 'contact, fingerprint, ref', description: 'A contact was added.'},
	{type: 'done', fields: 'cmd, ref', description: 'A presence, status, hide or show command took effect.'},
	{type: 'error', fields: 'scope, message, ref', description: 'A bad input line (scope "input"), a failed command ("command"), a failed --exec hook ("exec"), or an engine problem (tor, onion, registry, session, store). The bot goes on.'},
	{type: 'bye', fields: '', description: 'The last line: after quit, SIGTERM or SIGINT the engine said bye to contacts and stopped.'},
];

export type ParseResult = {ok: true; command: BotCommand} | {ok: false; problem: string; ref?: string};

const presenceStates: readonly OwnPresence[] = ['online', 'away', 'busy', 'invisible'];
const maxTextLength = 64 * 1024;

function describe(value: unknown): string {
	return value === null ? 'null' : (Array.isArray(value) ? 'an array' : typeof value);
}

/** Parses one stdin line. Never throws. */
export function parseCommandLine(line: string): ParseResult {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch (error) {
		return {ok: false, problem: `not JSON (${(error as Error).message}); each line must be one JSON object such as {"cmd":"contacts"}`};
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		return {ok: false, problem: `a command must be a JSON object, not ${describe(value)}`};
	}

	const object = value as Record<string, unknown>;
	const ref = typeof object['id'] === 'string' ? object['id'] : undefined;
	const fail = (problem: string): ParseResult => ({ok: false, problem, ...(ref === undefined ? {} : {ref})});
	const cmd = object['cmd'];
	if (typeof cmd !== 'string') {
		return fail(`missing "cmd" (a string); commands: ${botCommandTable.map(doc => doc.cmd).join(', ')}`);
	}

	const doc = botCommandTable.find(entry => entry.cmd === cmd);
	if (!doc) {
		return fail(`unknown command ${JSON.stringify(cmd.slice(0, 40))}; commands: ${botCommandTable.map(entry => entry.cmd).join(', ')}`);
	}

	for (const key of Object.keys(object)) {
		if (key !== 'cmd' && !doc.fields.some(field => field.name === key)) {
			return fail(`"${cmd}" has no field ${JSON.stringify(key.slice(0, 40))}; its fields: ${doc.fields.map(field => field.name).join(', ')}`);
		}
	}

	for (const field of doc.fields) {
		const fieldValue = object[field.name];
		if (fieldValue === undefined) {
			if (field.required) {
				return fail(`"${cmd}" needs "${field.name}" (${field.description})`);
			}

			continue;
		}

		if (typeof fieldValue !== 'string') {
			return fail(`"${cmd}": "${field.name}" must be a string, not ${describe(fieldValue)}`);
		}

		if (fieldValue.length > maxTextLength) {
			return fail(`"${cmd}": "${field.name}" is longer than ${maxTextLength} characters`);
		}
	}

	return refine(object as Record<string, string>, fail);
}

function refine(fields: Record<string, string>, fail: (problem: string) => ParseResult): ParseResult {
	const id = fields['id'] === undefined ? {} : {id: fields['id']};
	switch (fields['cmd'] as BotCommandName) {
		case 'send': {
			if (fields['text']!.length === 0) {
				return fail('"send": "text" is empty; send at least one character');
			}

			return {ok: true, command: {cmd: 'send', ...id, to: fields['to']!, text: fields['text']!}};
		}

		case 'presence': {
			const state = fields['state'] as OwnPresence;
			if (!presenceStates.includes(state)) {
				return fail(`"presence": "state" must be one of ${presenceStates.join(', ')}`);
			}

			return {ok: true, command: {cmd: 'presence', ...id, state, ...(fields['status'] === undefined ? {} : {status: fields['status']})}};
		}

		case 'status': {
			return {ok: true, command: {cmd: 'status', ...id, text: fields['text']!}};
		}

		case 'hide':
		case 'show': {
			return {ok: true, command: {cmd: fields['cmd'] as 'hide' | 'show', ...id, contact: fields['contact']!}};
		}

		case 'add': {
			return refineAdd(fields, id, fail);
		}

		case 'contacts':
		case 'quit': {
			return {ok: true, command: {cmd: fields['cmd'] as 'contacts' | 'quit', ...id}};
		}
	}
}

function refineAdd(fields: Record<string, string>, id: {id?: string}, fail: (problem: string) => ParseResult): ParseResult {
	const {key, armor, confirm, name} = fields;
	if ((key === undefined) === (armor === undefined)) {
		return fail('"add" needs exactly one of "key" (a key ID or fingerprint) and "armor" (an armored certificate)');
	}

	if (name!.trim().length === 0) {
		return fail('"add": "name" is empty; give the contact a name');
	}

	let normalized: string | undefined;
	if (confirm !== undefined) {
		normalized = confirm.replaceAll(/\s/g, '').toUpperCase();
		if (!/^[\dA-F]{40}$/.test(normalized)) {
			return fail('"add": "confirm" must be the full fingerprint, 40 hex digits (spaces allowed)');
		}
	}

	return {
		ok: true,
		command: {
			cmd: 'add',
			...id,
			name: name!,
			...(key === undefined ? {} : {key}),
			...(armor === undefined ? {} : {armor}),
			...(normalized === undefined ? {} : {confirm: normalized}),
		},
	};
}
