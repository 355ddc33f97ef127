// The layer rules of eslint.config.js, checked by linting small sources placed in each layer:
// a crossing must fail the lint, and the allowed imports must pass.
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {test} from 'node:test';
import {ESLint} from 'eslint';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({cwd: root});

async function restrictedImports(file: string, code: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, {filePath: join(root, file)});
	assert.ok(result, 'eslint returned no result');
	return result.messages.filter(message => message.ruleId === 'no-restricted-imports').map(message => message.message);
}

const crossings: Array<[file: string, code: string]> = [
	['source/engine/x.ts', "import React from 'react';\nexport const x = React;\n"],
	['source/engine/x.ts', "import {Box} from 'ink';\nexport const x = Box;\n"],
	['source/net/x.ts', "import {render} from 'ink';\nexport const x = render;\n"],
	['source/keys/x.ts', "import {useState} from 'react';\nexport const x = useState;\n"],
	['source/keys/x.ts', "import {openStore} from '../engine/index.js';\nexport const x = openStore;\n"],
	['source/net/x.ts', "import {openStore} from '../engine/store/index.js';\nexport const x = openStore;\n"],
	['source/screens/x.tsx', "import {openStore} from '../engine/store.js';\nexport const x = openStore;\n"],
	['source/bot/x.ts', "import {Publisher} from '../engine/publisher.js';\nexport const x = Publisher;\n"],
	['source/cli.tsx', "import {openStore} from './engine/store.js';\nexport const x = openStore;\n"],
	['test/security/x.test.ts', "import {Publisher} from '../../source/engine/registry/publisher.js';\nexport const x = Publisher;\n"],
	['source/bot/x.ts', "import {Box} from 'ink';\nexport const x = Box;\n"],
	['source/engine/node/x.ts', "import {openStore} from '../store/store.js';\nexport const x = openStore;\n"],
	['source/engine/engine.ts', "import {Publisher} from './registry/publisher.js';\nexport const x = Publisher;\n"],
	['source/engine/session/x.ts', "import {connect} from 'node:net';\nexport const x = connect;\n"],
	['source/screens/x.tsx', "import {openStore} from '../engine/store/store.js';\nexport const x = openStore;\n"],
];

test('lint refuses a timer in the sans-IO session core', async () => {
	const [result] = await eslint.lintText('export const x = setTimeout(() => undefined, 1);\n', {filePath: join(root, 'source/engine/session/x.ts')});
	assert.ok(result);
	assert.deepEqual(result.messages.map(message => message.ruleId), ['no-restricted-globals']);
});

for (const [file, code] of crossings) {
	test(`lint refuses in ${file}: ${code.split('\n')[0]}`, async () => {
		const messages = await restrictedImports(file, code);
		assert.equal(messages.length, 1, `expected one layer error, got ${JSON.stringify(messages)}`);
	});
}

const allowed: Array<[file: string, code: string]> = [
	['source/screens/x.tsx', "import {Box} from 'ink';\nimport {openStore} from '../engine/index.js';\nexport const x = [Box, openStore];\n"],
	['source/cli.tsx', "import {openStore} from './engine/index.js';\nexport const x = openStore;\n"],
	['source/engine/x.ts', "import {seal} from '../keys/index.js';\nimport {openStore} from './store/index.js';\nexport const x = [seal, openStore];\n"],
	['source/engine/node/x.ts', "import {seal} from '../../keys/index.js';\nimport {openStore} from '../store/index.js';\nimport {PeerTable} from './peers.js';\nimport {systemClock} from '../clock.js';\nexport const x = [seal, openStore, PeerTable, systemClock];\n"],
	['test/engine/x.test.ts', "import {openStore} from '../../source/engine/store/store.js';\nexport const x = openStore;\n"],
];

for (const [file, code] of allowed) {
	test(`lint allows in ${file}: ${code.split('\n')[0]}`, async () => {
		assert.deepEqual(await restrictedImports(file, code), []);
	});
}
