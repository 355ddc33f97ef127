// The main screen: picks a layout from the engine's lifecycle and composes the
// panes. Keys come from Ink's raw input events, split by KeyParser (Ink merges keys that arrive
// together and loses their flags), and go to handleKey one by one.
import {Box, Text, useStdin} from 'ink';
import {useEffect, useLayoutEffect, useMemo, useRef} from 'react';
import type {EngineApi} from '../engine/index.js';
import {AutoAway, type Timers} from './auto-away.js';
import {ContactsPane} from './contacts-pane.js';
import {ConversationPane} from './conversation-pane.js';
import {handleKey, type KeyContext} from './handle-key.js';
import {InputLine} from './input-line.js';
import {KeyParser} from './key-parser.js';
import {OverlayBox} from './overlays.js';
import {StatusBar} from './status-bar.js';
import {phaseOf, type Phase} from './status-reducer.js';
import {fitWidth, truncate} from './text-width.js';
import {cleanLine} from './clean.js';
import {TypingNotifier} from './typing-notifier.js';
import {useColor} from './colors.js';
import {contactsWidth, useChat, type ChatSize} from './use-chat.js';

export type ChatAppProps = {
	engine: EngineApi;
	size: ChatSize;
	/** Called once when the user asks to leave (Ctrl-C, /quit). */
	onQuit: () => void;
	/** Ctrl-L: clear the terminal and draw everything again. */
	onRedraw?: () => void;
	bell?: (() => void) | undefined;
	autoAwayMinutes?: number;
	exportPublicKey?: (() => string) | undefined;
	cwd?: string;
	now?: () => number;
	timers?: Timers;
	/** engine.start() when the caller runs it alongside the screen: a failure shows as a notice. */
	startup?: Promise<unknown> | undefined;
};

const phaseBanner: Record<Phase, (progress: number, summary: string) => string | undefined> = {
	'starting': (progress, summary) => `Starting Tor: ${progress}% ${summary}. Contacts can reach you once it is done; you can type meanwhile.`,
	'publishing': () => 'Online: telling your contacts where to find you…',
	'ready': () => undefined,
	'tor-lost': () => 'Tor is not reachable: messages stay queued until it is back.',
	'stopping': () => 'Saying goodbye to your contacts…',
};

export function ChatApp(props: ChatAppProps) {
	const {engine, size, onQuit} = props;
	const color = useColor();
	const chat = useChat({engine, size, bell: props.bell, ...(props.now ? {now: props.now} : {})});
	const {stdin, setRawMode, internal_eventEmitter: events} = useStdin();

	const refreshStatus = useRef(chat.refreshStatus);
	refreshStatus.current = chat.refreshStatus;
	const typing = useMemo(() => new TypingNotifier((contact, isTyping) => engine.setTyping(contact, isTyping), props.timers), [engine, props.timers]);
	useEffect(() => () => typing.stop(), [typing]);

	const {startup} = props;
	const {uiDispatch} = chat;
	useEffect(() => {
		let live = true;
		startup?.catch((error: unknown) => {
			if (live) {
				uiDispatch({type: 'notice', notice: {kind: 'error', text: cleanLine(`Could not go online: ${error instanceof Error ? error.message : String(error)} (Ctrl-C quits)`)}});
			}
		});
		return () => {
			live = false;
		};
	}, [startup, uiDispatch]);

	const context = useRef<KeyContext | undefined>(undefined);
	context.current = {chat, quit: onQuit, redraw: props.onRedraw ?? (() => undefined), exportPublicKey: props.exportPublicKey, cwd: props.cwd ?? process.cwd(), typing};

	const autoAway = useMemo(() => new AutoAway({
		idleMs: (props.autoAwayMinutes ?? 0) * 60_000,
		isOnline: () => engine.status().presence.state === 'online',
		goAway: () => void engine.setPresence('away').then(() => refreshStatus.current(), () => undefined),
		comeBack: () => void engine.setPresence('online').then(() => refreshStatus.current(), () => undefined),
		...(props.timers ? {timers: props.timers} : {}),
	}), [engine, props.autoAwayMinutes, props.timers]);
	useEffect(() => {
		autoAway.start();
		return () => autoAway.stop();
	}, [autoAway]);

	// A layout effect, so keys typed as soon as the first frame shows are not lost.
	useLayoutEffect(() => {
		if (!stdin.isTTY) {
			return undefined;
		}

		setRawMode(true);
		const parser = new KeyParser();
		const onInput = (data: string) => {
			autoAway.activity();
			for (const key of parser.push(data)) {
				handleKey(context.current!, key);
			}
		};

		events?.on('input', onInput);
		return () => {
			events?.removeListener('input', onInput);
			setRawMode(false);
		};
	}, [stdin, setRawMode, events, autoAway]);

	const {contacts, contact, status, ui, view, input, bodyRows, conversationWidth} = chat;
	const now = chat.now();
	const banner = phaseBanner[phaseOf(status)](status.tor.progress, status.tor.summary);
	const noticeText = ui.notice?.text ?? banner ?? '';
	const header = contact
		? `${contact.name} │ ${contact.presence}${contact.status === '' ? '' : ` "${contact.status}"`}${contact.typing ? ' │ typing…' : ''}${contact.hidden ? ' │ you appear offline to them' : ''}${chat.conversation.bottom === undefined ? '' : ' │ scrolled back (PageDown, End)'}`
		: 'No contact open';
	const emptyText = contact ? 'No messages yet.' : 'Add a contact with /add KEYID|FINGERPRINT|FILE; F1 or /help shows the keys.';
	return (
		<Box flexDirection="column" width={size.columns} height={size.rows}>
			<StatusBar status={status} contact={contact} width={size.columns} now={now} />
			{ui.overlay ? (
				<OverlayBox overlay={ui.overlay} contacts={contacts.contacts} width={size.columns} height={bodyRows + 1} scroll={ui.overlayScroll} selected={ui.overlaySelected} now={now} />
			) : (
				<Box flexDirection="row" height={bodyRows + 1}>
					<Box flexDirection="column" width={contactsWidth}>
						<Text bold inverse={ui.focus === 'contacts'}>{fitWidth(`Contacts (${contacts.contacts.length})`, contactsWidth - 1)}</Text>
						<ContactsPane state={contacts} width={contactsWidth - 1} height={bodyRows} focused={ui.focus === 'contacts'} />
					</Box>
					<Box flexDirection="column" width={conversationWidth + 2} paddingLeft={1} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false}>
						<Text bold inverse={ui.focus === 'conversation'}>{fitWidth(header, conversationWidth)}</Text>
						<ConversationPane rows={view.rows} width={conversationWidth} height={bodyRows} empty={emptyText} />
					</Box>
				</Box>
			)}
			<Text color={color(ui.notice?.kind === 'error' ? 'red' : undefined)} dimColor={!ui.notice} wrap="truncate">{truncate(noticeText, size.columns) || ' '}</Text>
			<InputLine state={input} width={size.columns} focused={ui.focus === 'input'} prompt={contact ? `${truncate(contact.name, 12)}> ` : '> '} />
		</Box>
	);
}
