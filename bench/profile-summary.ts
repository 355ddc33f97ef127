// Where a benchmark row misses its target, this says where the time went: the heaviest
// functions and files of a V8 CPU profile by self time (samples include time blocked in
// synchronous system calls, such as SQLite's fsync, which is what the engine rows need to see).
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/engine.bench.ts --runs 1
//   node --import tsx bench/profile-summary.ts /tmp/prof/*.cpuprofile [--top 25]
import {readFileSync} from 'node:fs';
import process from 'node:process';
import {parseArgs} from 'node:util';

type ProfileNode = {id: number; callFrame: {functionName: string; url: string; lineNumber: number}; children?: number[]};
type Profile = {nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]};

const {values, positionals} = parseArgs({allowPositionals: true, options: {top: {type: 'string'}}});
const top = Number(values.top ?? 25);
const shorten = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|source|bench|test)\//, '$1/') || '(native)';

for (const path of positionals) {
	const profile = JSON.parse(readFileSync(path, 'utf8')) as Profile;
	const byId = new Map(profile.nodes.map(node => [node.id, node]));
	const selfMs = new Map<number, number>();
	profile.samples.forEach((id, index) => {
		selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
	});
	const functions = new Map<string, number>();
	const files = new Map<string, number>();
	let total = 0;
	for (const [id, ms] of selfMs) {
		const frame = byId.get(id)!.callFrame;
		const file = shorten(frame.url);
		const name = `${frame.functionName || '(anonymous)'} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
		functions.set(name, (functions.get(name) ?? 0) + ms);
		files.set(file, (files.get(file) ?? 0) + ms);
		total += ms;
	}

	const list = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${name}`).join('\n');
	process.stdout.write(`${path}: ${total.toFixed(0)} ms sampled\n\nby function (self time)\n${list(functions)}\n\nby file (self time)\n${list(files)}\n\n`);
}
