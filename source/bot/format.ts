// One bot event to one output line. JSON: the event with "ts" added (JSON.stringify escapes
// every control character, so a peer cannot reach the terminal through it). Text: for people
// reading a log; every string that came from a peer or a key is stripped of control and escape
// sequences first, and a multi-line message is indented so it cannot fake another event line.
import {stripControl, stripControlKeepNewlines} from '../keys/index.js';
import type {BotEvent} from './core.js';

export type OutputFormat = 'json' | 'text';

function who(contact: string, fingerprint: string): string {
	const name = stripControl(contact);
	return name.length > 0 ? name : `key ${fingerprint.slice(-16)}`;
}

function quoted(text: string): string {
	return stripControlKeepNewlines(text).replaceAll('\n', '\n    ');
}

function textOf(event: BotEvent): string {
	const ref = 'ref' in event && event.ref !== undefined ? ` [${stripControl(event.ref)}]` : '';
	switch (event.type) {
		case 'ready': {
			return `ready as ${stripControl(event.userId) || event.keyId} with ${event.contacts} contact(s)`;
		}

		case 'lifecycle': {
			return `engine ${event.state}`;
		}

		case 'tor.progress': {
			return `tor ${event.progress}%: ${stripControl(event.summary)}`;
		}

		case 'contact.presence': {
			const status = stripControl(event.status);
			return `${who(event.contact, event.fingerprint)} is ${event.presence}${status ? `: ${status}` : ''}`;
		}

		case 'contact.key': {
			return `${who(event.contact, event.fingerprint)}'s key is ${event.keyState}: ${event.lines.map(line => stripControl(line)).join(' ')}`;
		}

		case 'message.received': {
			return `${who(event.contact, event.fingerprint)} says: ${quoted(event.text)}`;
		}

		case 'message.state': {
			return `message ${stripControl(event.id)} to ${who(event.contact, event.fingerprint)} ${event.state}`;
		}

		case 'contacts': {
			const lines = event.contacts.map(contact => `    ${stripControl(contact.name)} ${contact.fingerprint} ${contact.presence}${contact.hidden ? ' (hidden from)' : ''}${contact.keyState === 'valid' ? '' : ` (key ${contact.keyState})`}${contact.status ? `: ${stripControl(contact.status)}` : ''}`);
			return [`${event.contacts.length} contact(s)${ref}`, ...lines].join('\n');
		}

		case 'certificate': {
			const ids = event.userIds.map(id => stripControl(id)).join(', ') || '(no user ID)';
			return `certificate ${event.fingerprint} (${ids})${ref}: repeat "add" with "confirm":"${event.fingerprint}" to add it`;
		}

		case 'contact.added': {
			return `added ${who(event.contact, event.fingerprint)} ${event.fingerprint}${ref}`;
		}

		case 'done': {
			return `${event.cmd} done${event.id === undefined ? '' : ` (message ${stripControl(event.id)})`}${ref}`;
		}

		case 'error': {
			return `error (${event.scope})${ref}: ${stripControlKeepNewlines(event.message).replaceAll('\n', ' ')}`;
		}

		case 'bye': {
			return 'bye';
		}
	}
}

export function formatEvent(event: BotEvent, now: Date, format: OutputFormat): string {
	const ts = now.toISOString();
	const {type, ...fields} = event;
	return format === 'json' ? JSON.stringify({type, ts, ...fields}) : `${ts} ${textOf(event)}`;
}
