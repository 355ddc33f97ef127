// Lint = typescript-eslint's recommended rules plus umbra's layer rules.
// Layers point down only: cli -> screens/bot -> engine -> net/keys (docs/architecture.md).
// Inside the engine, each folder (node, session, registry, tor, store, profile) is entered
// through its index.ts only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const uiPackages = {
	group: ['react', 'react/*', 'react-dom', 'ink', 'ink/*', 'ink-*'],
	message: 'Only source/screens and source/cli.tsx may use React or Ink: the engine, net and keys layers stay UI-free.',
};
const engineInternals = {
	group: ['**/source/engine/*', '../engine/*', './engine/*', '!**/engine/index.js'],
	message: 'Reach the engine only through source/engine/index.ts.',
};
const engineFolders = ['node', 'session', 'registry', 'tor', 'store', 'profile'];
/** From a file in one engine folder: a sibling folder only through its index. */
const siblingFolderInternals = {
	group: [...engineFolders.map(folder => `../${folder}/*`), ...engineFolders.map(folder => `!../${folder}/index.js`)],
	message: 'Reach another engine folder only through its index.ts.',
};
/** From a file at the engine's top: a folder only through its index. */
const folderInternals = {
	group: [...engineFolders.map(folder => `./${folder}/*`), ...engineFolders.map(folder => `!./${folder}/index.js`)],
	message: 'Reach an engine folder only through its index.ts.',
};
const sansIo = {
	paths: ['node:net', 'node:fs', 'node:fs/promises', 'node:timers', 'node:timers/promises', 'node:dgram', 'node:child_process'].map(name => ({
		name,
		message: 'The session core is sans-IO: no sockets, files or timers; the stream runner (engine/node) does the I/O.',
	})),
};
const upwards = (...layers) => ({
	group: layers.flatMap(layer => [`**/${layer}`, `**/${layer}/*`, `**/${layer}.js`]),
	message: 'Imports point down only: cli -> screens/bot -> engine -> net/keys.',
});

export default tseslint.config(
	{ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-artifacts/**']},
	js.configs.recommended,
	...tseslint.configs.recommended,
	{
		languageOptions: {
			ecmaVersion: 2023,
			sourceType: 'module',
			globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', fetch: 'readonly'},
		},
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			'@typescript-eslint/consistent-type-imports': 'error',
			'no-console': 'off',
		},
	},
	{
		files: ['source/net/**', 'source/keys/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [uiPackages, upwards('engine', 'screens', 'bot', 'cli')]}]},
	},
	{
		files: ['source/engine/*.ts'],
		rules: {'no-restricted-imports': ['error', {patterns: [uiPackages, upwards('screens', 'bot', 'cli'), folderInternals]}]},
	},
	{
		files: ['source/engine/*/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [uiPackages, upwards('screens', 'bot', 'cli'), siblingFolderInternals]}]},
	},
	{
		files: ['source/engine/session/**'],
		rules: {
			'no-restricted-imports': ['error', {...sansIo, patterns: [uiPackages, upwards('screens', 'bot', 'cli'), siblingFolderInternals]}],
			'no-restricted-globals': ['error', ...['setTimeout', 'setInterval', 'setImmediate'].map(name => ({name, message: 'The session core is sans-IO: time comes in as an argument; the stream runner schedules.'}))],
		},
	},
	{
		// Everything outside the engine, except the engine's own unit tests, sees only its index.
		files: ['source/screens/**', 'source/bot/**', 'source/commands/**', 'source/cli.tsx', 'test/**', 'bench/**', 'scripts/**'],
		ignores: ['test/engine/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [engineInternals]}]},
	},
	{
		files: ['source/bot/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [uiPackages, engineInternals, upwards('screens')]}]},
	},
	{
		files: ['source/screens/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [engineInternals, upwards('bot')]}]},
	},
);
