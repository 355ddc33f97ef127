// Text from peers and from keys (user IDs, status texts, messages) reaches a terminal. Ink passes
// SGR and OSC sequences through, so anything that could move the cursor, retitle the window,
// write the clipboard (OSC 52), hide a link target (OSC 8) or reorder text on screen (bidi
// overrides) is removed here, before it is stored or shown.

/*
 * Whole escape sequences, so their payload does not remain as visible junk:
 * - CSI: ESC [ or 8-bit 0x9B, parameters, intermediates, a final byte;
 * - OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ or 8-bit 0x9D 0x90 0x98 0x9E 0x9F, up to BEL or ST
 *   (ESC \ or 0x9C), or to the end of the text when unterminated, as a terminal would swallow it;
 * - any other ESC sequence: ESC, intermediates, a final byte (ESC c, ESC ( B, ...).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const escapeSequences = /(?:\u001B\[|\u009B)[\u0030-\u003F]*[\u0020-\u002F]*[\u0040-\u007E]?|(?:\u001B[\]PX^_]|[\u0090\u0098\u009D\u009E\u009F])[\s\S]*?(?:\u0007|\u001B\\|\u009C|$)|\u001B[\u0020-\u002F]*[\u0030-\u007E]?/g;

// C0 except \t and \n (handled apart), DEL, C1.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// Bidi embeddings, overrides, isolates and marks: they make "evil.com" display as "moc.live".
const bidi = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

function strip(text: string): string {
	return text
		.replace(escapeSequences, '')
		.replace(controls, '')
		.replace(bidi, '')
		.replaceAll('\t', ' ');
}

/** For one-line fields (names, user IDs, status): also drops line breaks. */
export function stripControl(text: string): string {
	return strip(text).replace(/[\n\u2028\u2029]/g, '');
}

/** For message bodies: keeps \n (and turns Unicode line and paragraph separators into \n). */
export function stripControlKeepNewlines(text: string): string {
	return strip(text).replace(/[\u2028\u2029]/g, '\n');
}
