// The contacts pane: one row per contact, "N ● name (unread) status", N being its Alt-N number;
// "[hidden]" when the user appears offline to them, "[key expired]" or "[key revoked]" when umbra
// no longer talks to them because of their key.
// Only the rows that fit are drawn, scrolled so the open contact is among them.
import {Box, Text} from 'ink';
import type {ContactsState} from './contacts-reducer.js';
import {presenceColors, presenceSymbols} from './presence.js';
import {truncate} from './text-width.js';
import {useColor} from './colors.js';

export type ContactsPaneProps = {state: ContactsState; width: number; height: number; focused: boolean};

export function ContactsPane({state, width, height, focused}: ContactsPaneProps) {
	const color = useColor();
	const {contacts, selected} = state;
	const selectedIndex = Math.max(0, contacts.findIndex(contact => contact.fingerprint === selected));
	const first = Math.max(0, Math.min(selectedIndex - Math.floor(height / 2), contacts.length - height));
	const shown = contacts.slice(first, first + height);
	return (
		<Box flexDirection="column" width={width} height={height}>
			{contacts.length === 0 ? <Text dimColor>{truncate('No contacts yet: /add KEYID|FILE', width)}</Text> : undefined}
			{shown.map((contact, offset) => {
				const index = first + offset;
				const isSelected = contact.fingerprint === selected;
				const number = index < 9 ? `${index + 1}` : ' ';
				const unread = contact.unread > 0 ? ` (${contact.unread})` : '';
				const typing = contact.typing ? ' …' : '';
				const hidden = contact.hidden ? ' [hidden]' : '';
				const key = contact.keyState === 'valid' ? '' : ` [key ${contact.keyState}]`;
				const status = contact.status === '' ? '' : ` ${contact.status}`;
				const marker = isSelected ? '>' : ' ';
				const text = truncate(`${marker}${number} ${presenceSymbols[contact.presence]} ${contact.name}${unread}${typing}${hidden}${key}${status}`, width);
				return (
					<Text key={contact.fingerprint} inverse={isSelected && focused} bold={contact.unread > 0} color={color(presenceColors[contact.presence])} wrap="truncate">
						{text}
					</Text>
				);
			})}
		</Box>
	);
}
