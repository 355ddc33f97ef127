// `npm run bench`: runs every benchmark under bench/, prints one markdown table and writes
// bench/results/latest.json. Each row carries the floor (or peer) measured in the same run, the
// median with min and max over several runs, and the ratio. Benchmarks are never timed tests;
// this is where speed targets are checked. `npm run bench -- --only engine,cli` runs a subset.
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {parseArgs} from 'node:util';
import {run as runCli} from './cli.bench.js';
import {run as runCrypto} from './crypto.bench.js';
import {run as runEngine} from './engine.bench.js';
import {run as runRegistry} from './registry.bench.js';
import {run as runTui} from './tui.bench.js';
import {markdownTable, pendingRow, type BenchRow} from './stats.js';

const benchmarks: ReadonlyArray<{name: string; run: () => Promise<BenchRow[]>}> = [
	{name: 'openpgp', run: async () => runCrypto()},
	{name: 'cli', run: async () => runCli()},
	{name: 'tui', run: async () => runTui()},
	{name: 'engine', run: async () => runEngine()},
	{name: 'registry', run: async () => runRegistry()},
];

const {values} = parseArgs({options: {only: {type: 'string'}}});
const only = values.only?.split(',');
const unknown = only?.filter(name => !benchmarks.some(benchmark => benchmark.name === name)) ?? [];
if (unknown.length > 0) {
	console.error(`unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map(benchmark => benchmark.name).join(', ')}`);
	process.exit(2);
}

const rows: Array<BenchRow & {bench: string}> = [];
const started = performance.now();
for (const benchmark of benchmarks.filter(benchmark => !only || only.includes(benchmark.name))) {
	const begin = performance.now();
	process.stderr.write(`[bench] ${benchmark.name}\n`);
	try {
		for (const row of await benchmark.run()) {
			rows.push({bench: benchmark.name, ...row});
		}
	} catch (error) {
		// One broken benchmark (say, an engine mid-change) must not hide the others' figures.
		process.stderr.write(`[bench] ${benchmark.name} failed: ${(error as Error).stack ?? String(error)}\n`);
		rows.push({bench: benchmark.name, ...pendingRow('(failed)', '', '', `failed: ${(error as Error).message.split('\n')[0]}`)});
		process.exitCode = 1;
	}

	process.stderr.write(`[bench] ${benchmark.name} took ${((performance.now() - begin) / 1000).toFixed(0)} s\n`);
}

const directory = join(import.meta.dirname, 'results');
mkdirSync(directory, {recursive: true});
const seconds = Math.round((performance.now() - started) / 1000);
writeFileSync(join(directory, 'latest.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, seconds, rows}, undefined, '\t') + '\n');
console.log(markdownTable(rows));
console.log(`\n${rows.length} rows in ${seconds} s; written to bench/results/latest.json`);
