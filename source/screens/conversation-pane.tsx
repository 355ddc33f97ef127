// The conversation pane: the rows conversation-layout.ts computed for the view, nothing more.
import {Box, Text} from 'ink';
import {useColor} from './colors.js';
import type {Row} from './conversation-layout.js';

export type ConversationPaneProps = {rows: Row[]; width: number; height: number; empty: string};

export function ConversationPane({rows, width, height, empty}: ConversationPaneProps) {
	const color = useColor();
	return (
		<Box flexDirection="column" width={width} height={height} justifyContent="flex-end">
			{rows.length === 0 ? <Text dimColor>{empty}</Text> : undefined}
			{rows.map(row => (
				<Text key={row.key} wrap="truncate" color={color(row.kind === 'marker' ? 'red' : undefined)} dimColor={row.kind === 'own'}>
					{row.text}
				</Text>
			))}
		</Box>
	);
}
