// `npm run bench`: runs every benchmark under bench/, prints one markdown table and writes
// bench/results/latest.json. Each row carries the floor measured in the same run and the ratio.
// Benchmarks are never timed tests; this is where speed targets are checked.
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {run as runRegistry, type BenchRow} from './registry.bench.js';

const benchmarks: ReadonlyArray<{name: string; run: () => Promise<BenchRow[]>}> = [
	{name: 'registry', run: () => runRegistry()},
];

function table(rows: ReadonlyArray<BenchRow & {bench: string}>): string {
	const lines = ['| bench | measurement | value | unit | floor | ratio |', '| --- | --- | ---: | --- | ---: | ---: |'];
	for (const row of rows) {
		lines.push(`| ${row.bench} | ${row.name} | ${row.value} | ${row.unit} | ${row.floor} | ${row.ratio} |`);
	}

	return lines.join('\n');
}

const rows: Array<BenchRow & {bench: string}> = [];
for (const benchmark of benchmarks) {
	process.stderr.write(`[bench] ${benchmark.name}\n`);
	for (const row of await benchmark.run()) {
		rows.push({bench: benchmark.name, ...row});
	}
}

const directory = join(import.meta.dirname, 'results');
mkdirSync(directory, {recursive: true});
writeFileSync(join(directory, 'latest.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rows}, undefined, '\t') + '\n');
console.log(table(rows));
