// What covers the panes for a moment: the help (the keymap and the commands, from their tables),
// a y/n question, search results, a text panel. Each is a list of lines in a scrollable box.
import {Box, Text} from 'ink';
import {formatFingerprint, type ContactView} from '../engine/index.js';
import {cleanLine, cleanText} from './clean.js';
import {formatTime} from './conversation-layout.js';
import {keymap} from './keymap.js';
import {slashCommands} from './slash-commands.js';
import {truncate} from './text-width.js';
import type {Overlay} from './ui-reducer.js';

export function helpLines(): string[] {
	const keyWidth = Math.max(...keymap.map(entry => entry.keys.join(', ').length));
	const commandWidth = Math.max(...slashCommands.map(doc => doc.usage.length));
	return [
		'Keys (Esc closes, Up/Down/PageUp/PageDown scroll)',
		...keymap.map(entry => `  ${entry.keys.join(', ').padEnd(keyWidth)}  ${entry.description}`),
		'',
		'Commands (Tab completes names; quote names with spaces: "Mary Ann")',
		...slashCommands.map(doc => `  ${doc.usage.padEnd(commandWidth)}  ${doc.summary}`),
		'',
		'Presence: ● online  ◐ away  ⊘ busy  ○ offline  ◌ invisible.  Sent: … queued  ✓ sent  ✓✓ delivered  ✗ failed',
	];
}

export function overlayLines(overlay: Overlay, contacts: readonly ContactView[], now: number, selected = 0): {title: string; lines: string[]} {
	switch (overlay.kind) {
		case 'help': {
			return {title: 'Help', lines: helpLines()};
		}

		case 'question': {
			const {question} = overlay;
			if (question.kind === 'add') {
				const {certificate} = question;
				return {title: 'Add this contact?', lines: [
					`Fingerprint: ${formatFingerprint(certificate.fingerprint)}`,
					...(certificate.userIds.length === 0 ? ['User IDs: none (the keyserver may hide unverified ones)'] : certificate.userIds.map(userId => `User ID: ${cleanLine(userId)}`)),
					'',
					...(question.warning === undefined ? [] : [...question.warning.map(line => cleanLine(line)), '']),
					'Compare the fingerprint with the one your contact reads to you.',
					`Add as "${cleanLine(question.name)}"? y/n`,
				]};
			}

			return {title: 'Remove this contact?', lines: [`Remove ${cleanLine(question.name)} and all of your history with them? They can no longer reach you. y/n`]};
		}

		case 'search': {
			const names = new Map(contacts.map(contact => [contact.fingerprint, contact.name]));
			const lines = overlay.results.map((message, index) => {
				const who = message.direction === 'out' ? 'you' : (names.get(message.contact) ?? message.contact.slice(-8));
				return `${index === selected ? '>' : ' '} ${formatTime(message.receivedAt, now)} ${cleanLine(who)}: ${cleanText(message.body).replaceAll('\n', ' ⏎ ')}`;
			});
			const found = overlay.results.length === 0 ? 'nothing found' : (overlay.capped ? `the newest ${overlay.results.length} shown, more match: add words to narrow it` : `${overlay.results.length} found`);
			return {title: `Search "${cleanLine(overlay.query)}": ${found} (Up/Down choose, Enter opens, Esc closes)`, lines};
		}

		case 'text': {
			return {title: overlay.title, lines: overlay.lines};
		}
	}
}

export function OverlayBox({overlay, contacts, width, height, scroll, selected, now}: {overlay: Overlay; contacts: readonly ContactView[]; width: number; height: number; scroll: number; selected: number; now: number}) {
	const {title, lines} = overlayLines(overlay, contacts, now, selected);
	const room = Math.max(1, height - 1);
	// A list keeps its chosen line in view; other panels scroll freely.
	const wanted = overlay.kind === 'search' ? Math.max(0, selected - room + 1) : scroll;
	const first = Math.min(wanted, Math.max(0, lines.length - room));
	return (
		<Box flexDirection="column" width={width} height={height}>
			<Text bold inverse>{truncate(title, width).padEnd(width)}</Text>
			{lines.slice(first, first + room).map((line, index) => (
				<Text key={first + index} wrap="truncate">{truncate(line, width)}</Text>
			))}
		</Box>
	);
}
