import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {openSettings, SettingsError} from '../../source/engine/profile/settings.js';

let root: string;
let counter = 0;
before(() => {
	root = mkdtempSync(join(tmpdir(), 'umbra-settings-'));
});
after(() => {
	rmSync(root, {recursive: true, force: true});
});

const fresh = () => mkdtempSync(join(root, `d${counter++}-`));

describe('settings', () => {
	it('starts from the defaults', () => {
		const settings = openSettings({dataDir: fresh()});
		assert.deepEqual(settings.all(), {
			torControlPort: null,
			torSocksPort: null,
			autoAwayMinutes: 10,
			bell: true,
			keyservers: ['hkps://keys.openpgp.org', 'hkps://keyserver.ubuntu.com'],
			registryRelays: ['https://relay.pkarr.org', 'https://pkarr.pubky.org'],
			keyRefreshHours: 0,
		});
	});

	it('takes https relays and http onion relays, and refuses a plain-HTTP clearnet relay or an empty list', () => {
		const settings = openSettings({dataDir: fresh()});
		const onion = `http://${'c'.repeat(56)}.onion`;
		settings.set('registryRelays', ['https://relay.example.org/pkarr', onion]);
		assert.deepEqual(settings.get('registryRelays'), ['https://relay.example.org/pkarr', onion]);
		assert.throws(() => settings.set('registryRelays', ['http://relay.example.org']), SettingsError);
		assert.throws(() => settings.set('registryRelays', []), SettingsError);
	});

	it('takes a key refresh period in whole hours, and refuses a negative one', () => {
		const settings = openSettings({dataDir: fresh()});
		settings.set('keyRefreshHours', 24);
		assert.equal(settings.get('keyRefreshHours'), 24);
		assert.throws(() => settings.set('keyRefreshHours', -1), SettingsError);
		assert.throws(() => settings.set('keyRefreshHours', 0.5), SettingsError);
	});

	it('keeps what is set in DATA_DIR/settings.json, readable only by the user', () => {
		const dataDir = fresh();
		const settings = openSettings({dataDir});
		settings.set('torControlPort', 9151);
		settings.set('bell', false);
		settings.set('keyservers', ['https://keys.example.org']);
		assert.equal(settings.path, join(dataDir, 'settings.json'));
		assert.equal(statSync(settings.path).mode & 0o777, 0o600);
		const again = openSettings({dataDir});
		assert.equal(again.get('torControlPort'), 9151);
		assert.equal(again.get('bell'), false);
		assert.deepEqual(again.get('keyservers'), ['https://keys.example.org']);
		again.reset('bell');
		assert.equal(openSettings({dataDir}).get('bell'), true);
	});

	it('refuses invalid values, leaving the file as it was', () => {
		const dataDir = fresh();
		const settings = openSettings({dataDir});
		settings.set('autoAwayMinutes', 5);
		const before = readFileSync(settings.path, 'utf8');
		assert.throws(() => settings.set('torSocksPort', 70_000), (error: Error) => error instanceof SettingsError && /torSocksPort/.test(error.message));
		assert.throws(() => settings.set('autoAwayMinutes', 1.5), SettingsError);
		assert.throws(() => settings.set('keyservers', ['ftp://nope']), SettingsError);
		assert.throws(() => settings.set('bell', 'yes' as never), SettingsError);
		assert.equal(readFileSync(settings.path, 'utf8'), before);
		assert.equal(settings.get('torSocksPort'), null);
	});

	it('names the file and says how to recover when it holds a bad value or bad JSON', () => {
		const dataDir = fresh();
		const path = join(dataDir, 'settings.json');
		writeFileSync(path, JSON.stringify({autoAwayMinutes: -3, bell: false}));
		assert.throws(() => openSettings({dataDir}), (error: Error) => error instanceof SettingsError && error.message.includes(path) && /autoAwayMinutes/.test(error.message) && /delete the file/.test(error.message));
		writeFileSync(path, '{"bell": fal');
		assert.throws(() => openSettings({dataDir}), SettingsError);
		assert.equal(readFileSync(path, 'utf8'), '{"bell": fal', 'the broken file is left for the user to fix');
	});

	it('keeps keys it does not know (from a newer umbra)', () => {
		const dataDir = fresh();
		const path = join(dataDir, 'settings.json');
		writeFileSync(path, JSON.stringify({futureThing: 3}));
		const settings = openSettings({dataDir});
		settings.set('bell', false);
		assert.equal((JSON.parse(readFileSync(path, 'utf8')) as {futureThing: number}).futureThing, 3);
	});
});
