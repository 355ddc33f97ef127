// The own presence is kept in the store across restarts, and --presence overrides it for one run
// without replacing it. Real profiles on disk (store, identity), closed and opened again; no
// engine is started (what a started invisible engine does is test/security/invisible-across-restart).
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {importProfile, openEngine, openProfile, type OwnPresence} from '../../source/engine/index.js';
import {fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';

let root: string;
let counter = 0;
before(() => {
	root = mkdtempSync(join(tmpdir(), 'umbra-own-presence-'));
});
after(() => {
	rmSync(root, {recursive: true, force: true});
});

const passphrase = 'own presence';

async function newProfileDir(): Promise<string> {
	const dataDir = join(root, `p${counter++}`);
	const profile = await importProfile({dataDir, passphrase, secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	profile.close();
	return dataDir;
}

/** Opens the profile, runs `fn` on an engine made from it (never started), closes it again. */
async function withEngine<T>(dataDir: string, presence: OwnPresence | undefined, fn: (engine: Awaited<ReturnType<typeof openEngine>>) => Promise<T>): Promise<T> {
	const profile = await openProfile({dataDir, passphrase});
	try {
		const engine = await openEngine({profile, ...(presence === undefined ? {} : {presence})});
		return await fn(engine);
	} finally {
		profile.close();
	}
}

describe('the own presence', () => {
	it('starts online with no text in a new profile', async () => {
		const dataDir = await newProfileDir();
		await withEngine(dataDir, undefined, async engine => {
			assert.deepEqual(engine.status().presence, {state: 'online', status: ''});
		});
	});

	it('is what was last set, state and text, after the profile is opened again', async () => {
		const dataDir = await newProfileDir();
		await withEngine(dataDir, undefined, async engine => {
			await engine.setPresence('busy', 'writing');
			await engine.setPresence('invisible');
		});
		await withEngine(dataDir, undefined, async engine => {
			assert.deepEqual(engine.status().presence, {state: 'invisible', status: 'writing'});
		});
	});

	it('is overridden for one run by the presence option, which is not remembered', async () => {
		const dataDir = await newProfileDir();
		await withEngine(dataDir, undefined, async engine => engine.setPresence('invisible', 'away from keys'));
		await withEngine(dataDir, 'away', async engine => {
			assert.deepEqual(engine.status().presence, {state: 'away', status: 'away from keys'});
		});
		await withEngine(dataDir, undefined, async engine => {
			assert.deepEqual(engine.status().presence, {state: 'invisible', status: 'away from keys'}, 'the override did not replace the remembered state');
		});
	});

	it('keeps the remembered state when only the text changes during an overridden run', async () => {
		const dataDir = await newProfileDir();
		await withEngine(dataDir, undefined, async engine => engine.setPresence('invisible'));
		await withEngine(dataDir, 'online', async engine => {
			const {state} = engine.status().presence;
			await engine.setPresence(state, 'a bot at your service');
			assert.deepEqual(engine.status().presence, {state: 'online', status: 'a bot at your service'});
		});
		await withEngine(dataDir, undefined, async engine => {
			assert.deepEqual(engine.status().presence, {state: 'invisible', status: 'a bot at your service'});
		});
	});

	it('remembers a state set during an overridden run', async () => {
		const dataDir = await newProfileDir();
		await withEngine(dataDir, 'invisible', async engine => engine.setPresence('away'));
		await withEngine(dataDir, undefined, async engine => {
			assert.equal(engine.status().presence.state, 'away');
		});
	});
});
