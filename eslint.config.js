// Lint = typescript-eslint's recommended rules plus umbra's layer rules.
// Layers point down only: cli -> screens/bot -> engine -> net/keys (../shared/DESIGN.md).
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
		files: ['source/engine/**'],
		rules: {'no-restricted-imports': ['error', {patterns: [uiPackages, upwards('screens', 'bot', 'cli')]}]},
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
