// The test command: installs (as root) or names the system packages the tests need,
// starts the shared private Tor network when a selected test file uses it, runs the
// files with node:test (Node 20's --test does not expand globs, so we list them), and
// stops everything it started, also on failure or interruption.
//
//   node --import tsx scripts/test.ts                 all of test/**/*.test.ts(x)
//   node --import tsx scripts/test.ts --unit          those that need no tor (npm run test:unit)
//   node --import tsx scripts/test.ts test/net/x.test.ts ...
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync} from 'node:fs';
import {join, relative} from 'node:path';
import process from 'node:process';
import {ensureSystemTools, systemTools} from '../source/net/system-tools.js';
import {networkEnvironmentVariable, startTestNetworkForRun} from '../test/helpers/network-runner.js';

const root = join(import.meta.dirname, '..');
const log = (line: string) => process.stderr.write(`[test] ${line}\n`);

function allTestFiles(): string[] {
	return readdirSync(join(root, 'test'), {recursive: true, encoding: 'utf8'})
		.filter(name => /\.test\.tsx?$/.test(name))
		.map(name => join('test', name))
		.sort();
}

/**
 * A file needs tor when it uses the shared private network (useTestNetwork) or starts a tor of
 * its own: spawnTor, a private network of its own, or `umbra demo`, which starts one.
 */
const needsTorPattern = /useTestNetwork\(|spawnTor\(|startTorNetwork\(|\$\{cliPath\} demo\b/;
const needsTor = (file: string) => needsTorPattern.test(readFileSync(join(root, file), 'utf8'));

const unit = process.argv[2] === '--unit';
const files = unit ? allTestFiles().filter(file => !needsTor(file)) : (process.argv.length > 2 ? process.argv.slice(2) : allTestFiles());
if (files.length === 0) {
	log('no test files found');
	process.exit(1);
}

ensureSystemTools(Object.values(systemTools), log);

// A file that calls useTestNetwork() needs the shared private Tor network.
const network = files.some(file => readFileSync(join(root, file), 'utf8').includes('useTestNetwork(')) ? await startTestNetworkForRun(root, log) : undefined;

let stopping = false;
async function finish(code: number): Promise<never> {
	if (!stopping) {
		stopping = true;
		if (network) {
			await network.stop(code === 0);
		}
	}

	process.exit(code);
}

const environment = {...process.env};
// With CI or CONTINUOUS_INTEGRATION set, Ink draws only the last frame (is-in-ci), and the
// screen tests and the terminal tests drive it interactively: the test processes run without them.
delete environment['CI'];
delete environment['CONTINUOUS_INTEGRATION'];
if (network) {
	environment[networkEnvironmentVariable] = network.descriptionPath;
}

log(`running ${files.length} test file(s)${network ? ' with the private Tor network' : ''}${unit ? ', two at a time' : ''}`);
// Tor-bound files run one at a time (they share one private network and its timing); the unit
// files share nothing and run two at a time, one per core of a small machine.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${unit ? 2 : 1}`, ...files.map(file => relative(process.cwd(), join(root, file)))], {
	stdio: 'inherit',
	env: environment,
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => {
		child.kill(signal);
		void finish(130);
	});
}

child.on('exit', (code, signal) => {
	void finish(code ?? (signal ? 1 : 0));
});
