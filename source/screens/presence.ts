// Presence as shape and word, so it reads with NO_COLOR and on a monochrome terminal; colour
// only adds to it.
import type {ContactPresence, OwnPresence} from '../engine/index.js';

export const presenceSymbols: Record<ContactPresence | OwnPresence, string> = {
	online: '●',
	away: '◐',
	busy: '⊘',
	offline: '○',
	invisible: '◌',
};

export const presenceColors: Record<ContactPresence | OwnPresence, string | undefined> = {
	online: 'green',
	away: 'yellow',
	busy: 'red',
	offline: undefined,
	invisible: undefined,
};
