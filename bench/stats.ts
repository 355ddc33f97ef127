// What every benchmark returns: one row per measurement, each with its floor (or a peer program)
// measured in the same run, and medians with min and max over several runs, because a shared
// 2-core machine is noisy. Ratios are always "times the floor's cost", so above 1 is slower than
// the floor whether the unit is a time or a rate.

export type Spread = {median: number; min: number; max: number};

export type BenchRow = {
	name: string;
	unit: string;
	/** Undefined for a row that could not be measured yet (see note). */
	value?: Spread;
	/** What the floor is: the same work without umbra's layers, or a peer program. */
	floorName: string;
	floor?: Spread;
	/** Median, min and max of the per-run ratios (each run's value against the same run's floor). */
	ratio?: Spread;
	runs: number;
	/** The largest ratio the issues allow, when they set one. */
	target?: number;
	note?: string;
};

export function spread(samples: readonly number[]): Spread {
	if (samples.length === 0) {
		throw new RangeError('spread of no samples');
	}

	const sorted = [...samples].sort((a, b) => a - b);
	const middle = sorted.length >> 1;
	const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
	return {median, min: sorted[0]!, max: sorted.at(-1)!};
}

/** The q-quantile (0..1) by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[rank]!;
}

export type Pair = {value: number; floor: number};

/**
 * A row from paired runs. For a rate (ops/s, messages/s) the cost ratio is floor / value, for
 * a time value / floor: either way it says how many times the floor's cost umbra pays.
 */
export function pairedRow(options: {name: string; unit: string; floorName: string; pairs: readonly Pair[]; rate?: boolean; target?: number; note?: string}): BenchRow {
	const {pairs} = options;
	// A floor of 0 (idle CPU of a program that does nothing) has no meaningful ratio.
	const ratios = pairs.map(({value, floor}) => options.rate ? floor / value : value / floor).filter(ratio => Number.isFinite(ratio));
	return {
		name: options.name,
		unit: options.unit,
		value: spread(pairs.map(pair => pair.value)),
		floorName: options.floorName,
		floor: spread(pairs.map(pair => pair.floor)),
		...(ratios.length > 0 ? {ratio: spread(ratios)} : {}),
		runs: pairs.length,
		...(options.target === undefined ? {} : {target: options.target}),
		...(options.note === undefined ? {} : {note: options.note}),
	};
}

export function pendingRow(name: string, unit: string, floorName: string, note: string): BenchRow {
	return {name, unit, floorName, runs: 0, note};
}

function round(value: number): string {
	const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
	return value.toFixed(digits);
}

function formatSpread(value: Spread | undefined): string {
	return value ? `${round(value.median)} (${round(value.min)}–${round(value.max)})` : 'pending';
}

/** The markdown table `npm run bench` prints and the README quotes. */
export function markdownTable(rows: ReadonlyArray<BenchRow & {bench: string}>): string {
	const lines = [
		'| bench | measurement | median (min–max) | unit | floor or peer | floor median (min–max) | ratio median (min–max) | target | runs |',
		'| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: |',
	];
	for (const row of rows) {
		const ratio = row.ratio ? `${row.ratio.median.toFixed(2)} (${row.ratio.min.toFixed(2)}–${row.ratio.max.toFixed(2)})` : '';
		const missed = row.target !== undefined && row.ratio !== undefined && row.ratio.median > row.target ? ' ✗' : '';
		const target = row.target === undefined ? '' : `≤ ${row.target}${missed}`;
		lines.push(`| ${row.bench} | ${row.name} | ${formatSpread(row.value)} | ${row.unit} | ${row.floorName} | ${row.floor ? formatSpread(row.floor) : ''} | ${ratio} | ${target} | ${row.runs} |`);
	}

	const notes = rows.filter(row => row.note);
	if (notes.length > 0) {
		lines.push('', ...notes.map(row => `- ${row.bench}, ${row.name}: ${row.note}`));
	}

	return lines.join('\n');
}
