// One line of typed input for the setup screens (a name, a file, a passphrase), with the same key
// splitting and editing as the chat's input line. A passphrase shows as one * per character.
import {Text, useStdin} from 'ink';
import {useLayoutEffect, useRef} from 'react';
import {initialInputState, inputReducer, inputText, type InputAction} from './input-reducer.js';
import {KeyParser} from './key-parser.js';
import {InputLine} from './input-line.js';
import {useSyncReducer} from './use-sync-reducer.js';

export type PromptFieldProps = {
	label: string;
	masked?: boolean;
	width: number;
	onSubmit: (value: string) => void;
	/** Ctrl-C or Escape. */
	onCancel: () => void;
	/** While a submitted value is being checked, keys are ignored. */
	busy?: boolean;
};

const editing: Record<string, InputAction['type']> = {backspace: 'backspace', delete: 'delete', left: 'left', right: 'right', home: 'home', 'ctrl-a': 'home', end: 'end', 'ctrl-e': 'end', 'ctrl-w': 'delete-word', 'ctrl-u': 'clear-to-start'};

export function PromptField({label, masked = false, width, onSubmit, onCancel, busy = false}: PromptFieldProps) {
	const [state, dispatch, read] = useSyncReducer(inputReducer, () => initialInputState);
	const {stdin, setRawMode, internal_eventEmitter: events} = useStdin();
	const handlers = useRef({onSubmit, onCancel, busy});
	handlers.current = {onSubmit, onCancel, busy};

	// A layout effect: the listener of the previous step's field must be gone, and this one in
	// place, before the frame that shows this field lets the user (or a test) type into it.
	useLayoutEffect(() => {
		if (!stdin.isTTY) {
			return undefined;
		}

		setRawMode(true);
		const parser = new KeyParser();
		const onInput = (data: string) => {
			for (const key of parser.push(data)) {
				if (key.name === 'ctrl-c' || key.name === 'escape') {
					handlers.current.onCancel();
					return;
				}

				if (handlers.current.busy) {
					continue;
				}

				if (key.name === 'enter') {
					const value = inputText(read());
					dispatch({type: 'clear'});
					handlers.current.onSubmit(value);
				} else if (key.name === 'text' || key.name === 'paste') {
					// A pasted passphrase or path ends at its first line break.
					dispatch({type: 'insert', text: (key.text ?? '').split(/[\r\n]/)[0] ?? ''});
				} else if (editing[key.name]) {
					dispatch({type: editing[key.name]!} as InputAction);
				}
			}
		};

		events?.on('input', onInput);
		return () => {
			events?.removeListener('input', onInput);
			setRawMode(false);
		};
	}, [stdin, setRawMode, events, dispatch, read]);

	const shown = masked ? {...state, chars: state.chars.map(() => '*')} : state;
	return (
		<>
			<Text>{label}</Text>
			<InputLine state={shown} width={width} focused={!busy} prompt="> " />
		</>
	);
}
