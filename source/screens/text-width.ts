// Terminal cell widths of text, per grapheme (what the cursor moves over): CJK and emoji take two
// cells, combining marks none. Close enough to what terminals and Ink's string-width do for the
// input line and the conversation's wrapping; exotic scripts may be off by a cell.

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

const wide = /[\u1100-\u115F\u231A\u231B\u2329\u232A\u23E9-\u23EC\u23F0\u23F3\u25FD\u25FE\u2614\u2615\u2648-\u2653\u267F\u2693\u26A1\u26AA\u26AB\u26BD\u26BE\u26C4\u26C5\u26CE\u26D4\u26EA\u26F2\u26F3\u26F5\u26FA\u26FD\u2705\u270A\u270B\u2728\u274C\u274E\u2753-\u2755\u2757\u2795-\u2797\u27B0\u27BF\u2B1B\u2B1C\u2B50\u2B55\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uA960-\uA97F\uAC00-\uD7A3\uF900-\uFAFF\uFE10-\uFE19\uFE30-\uFE6F\uFF00-\uFF60\uFFE0-\uFFE6\u{16FE0}-\u{1B2FF}\u{1F004}\u{1F0CF}\u{1F18E}\u{1F191}-\u{1F19A}\u{1F200}-\u{1F64F}\u{1F680}-\u{1F6FF}\u{1F7E0}-\u{1F7EB}\u{1F90C}-\u{1F9FF}\u{1FA70}-\u{1FAFF}\u{20000}-\u{3FFFD}]/u;
const zeroWidth = /^(?:\p{Mark}|\p{Default_Ignorable_Code_Point}|\p{Control})+$/u;

export function graphemes(text: string): string[] {
	return Array.from(segmenter.segment(text), segment => segment.segment);
}

export function graphemeWidth(grapheme: string): number {
	if (grapheme.length === 0 || zeroWidth.test(grapheme)) {
		return 0;
	}

	return wide.test(grapheme) || grapheme.includes('\uFE0F') ? 2 : 1;
}

export function textWidth(text: string): number {
	let width = 0;
	for (const grapheme of graphemes(text)) {
		width += graphemeWidth(grapheme);
	}

	return width;
}

/** Cuts text to at most `width` cells, adding '…' when it had to cut. */
export function truncate(text: string, width: number): string {
	if (width <= 0) {
		return '';
	}

	if (textWidth(text) <= width) {
		return text;
	}

	let out = '';
	let used = 0;
	for (const grapheme of graphemes(text)) {
		const cells = graphemeWidth(grapheme);
		if (used + cells > width - 1) {
			break;
		}

		out += grapheme;
		used += cells;
	}

	return `${out}…`;
}

/** Breaks text into rows of at most `width` cells: at spaces where it can, inside long words where it must. */
export function wrap(text: string, width: number): string[] {
	const rows: string[] = [];
	for (const paragraph of text.split('\n')) {
		let row = '';
		let rowWidth = 0;
		for (const word of paragraph.split(/(?<= )/)) {
			const wordWidth = textWidth(word);
			if (rowWidth + wordWidth <= width) {
				row += word;
				rowWidth += wordWidth;
				continue;
			}

			if (row.trimEnd().length > 0 && wordWidth <= width) {
				rows.push(row.trimEnd());
				row = word;
				rowWidth = wordWidth;
				continue;
			}

			for (const grapheme of graphemes(word)) {
				const cells = graphemeWidth(grapheme);
				if (rowWidth + cells > width && row.length > 0) {
					rows.push(row.trimEnd());
					row = '';
					rowWidth = 0;
				}

				row += grapheme;
				rowWidth += cells;
			}
		}

		rows.push(row.trimEnd());
	}

	return rows;
}
