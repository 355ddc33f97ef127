// Everything a peer or a certificate wrote passes through here before it is drawn: Ink passes SGR and OSC sequences through to the terminal. The engine strips too;
// the screens do not rely on it.
import {stripControl, stripControlKeepNewlines} from '../engine/index.js';

/** Names, status texts, user IDs: one line. */
export const cleanLine = (text: string): string => stripControl(text);

/** Message bodies: line breaks kept. */
export const cleanText = (text: string): string => stripControlKeepNewlines(text);
