// `npm run build:bundle`: source/cli.tsx as one ES module, dist/umbra.mjs. Node then reads one
// file instead of resolving and compiling some hundreds of modules, which is most of a cold
// start (bench/cli.bench.ts measures both). React runs its production build here: NODE_ENV is
// fixed at bundle time. The SQLite driver stays outside: it loads a native addon by path.
import {chmod} from 'node:fs/promises';
import {join, resolve} from 'node:path';
import {parseArgs} from 'node:util';
import {build, type Plugin} from 'esbuild';

// Ink imports the React devtools only when DEV=true, and they are not installed; left external,
// esbuild would hoist that import and every start would fail, so it becomes an empty module.
const devtoolsStub: Plugin = {
	name: 'react-devtools-core stub',
	setup(context) {
		context.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'stub'}));
		context.onLoad({filter: /.*/, namespace: 'stub'}, () => ({contents: 'export default {connectToDevTools() {}};', loader: 'js'}));
	},
};

const root = join(import.meta.dirname, '..');
// --outfile: bench/cli.bench.ts bundles into a directory of its own.
const {values} = parseArgs({options: {outfile: {type: 'string'}}});
const outfile = resolve(values.outfile ?? join(root, 'dist', 'umbra.mjs'));
await build({
	entryPoints: [join(root, 'source', 'cli.tsx')],
	outfile,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	external: ['better-sqlite3-multiple-ciphers'],
	plugins: [devtoolsStub],
	define: {'process.env.NODE_ENV': '"production"'},
	// Some dependencies are CommonJS and call require() for Node built-ins.
	banner: {js: 'import {createRequire as __umbraCreateRequire} from "node:module"; const require = __umbraCreateRequire(import.meta.url);'},
	// cli.tsx already starts with its own #!/usr/bin/env node line.
	legalComments: 'none',
	logLevel: 'warning',
});
await chmod(outfile, 0o755);
