// useReducer whose state can be read right after dispatch. Keys that arrive in one read (a
// paste, tmux send-keys, a busy moment) are handled one after the other before React renders
// again: "Tab, then type, then Enter" must see the focus and the text the earlier keys made.
import {useCallback, useReducer, useRef} from 'react';

export function useSyncReducer<S, A>(reducer: (state: S, action: A) => S, initial: () => S): [S, (action: A) => void, () => S] {
	const ref = useRef<S | undefined>(undefined);
	ref.current ??= initial();
	const [, bump] = useReducer((count: number) => count + 1, 0);
	const dispatch = useCallback((action: A) => {
		const next = reducer(ref.current as S, action);
		if (next !== ref.current) {
			ref.current = next;
			bump();
		}
	}, [reducer]);
	const read = useCallback(() => ref.current as S, []);
	return [ref.current, dispatch, read];
}
