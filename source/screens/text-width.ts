// Terminal cell widths of text, per grapheme (what the cursor moves over), measured by
// string-width, the package Ink measures with: a flag, a ZWJ family, CJK take two cells,
// combining marks none, so what umbra lays out is what Ink draws.
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

export function graphemes(text: string): string[] {
	return Array.from(segmenter.segment(text), segment => segment.segment);
}

export function graphemeWidth(grapheme: string): number {
	return stringWidth(grapheme);
}

export function textWidth(text: string): number {
	return stringWidth(text);
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

/** Exactly `width` cells: cut as truncate does, or padded with spaces (padEnd counts code units, not cells). */
export function fitWidth(text: string, width: number): string {
	const cut = truncate(text, width);
	return cut + ' '.repeat(Math.max(0, width - textWidth(cut)));
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
