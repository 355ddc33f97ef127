// Non-secret settings (ports, UI choices, keyservers) in DATA_DIR/settings.json, through conf.
// Secrets never go here: the file is plain JSON.
//
// A file with a bad value (hand-edited, or from a newer umbra) is an error that names the file
// and the key, not a silent reset: resetting would also throw away the user's other choices.
// Keys this version does not know are kept as they are, so an older umbra leaves a newer one's
// settings alone.
import {join} from 'node:path';
import Conf from 'conf';
import {dataFiles} from './data-dir.js';

export type UmbraSettings = {
	/** Tor's control port; null: try 9051, then Tor Browser's 9151, else start our own tor. */
	torControlPort: number | null;
	/** Tor's SOCKS port; null: ask Tor (GETINFO net/listeners/socks). */
	torSocksPort: number | null;
	/** Minutes without a key press before presence turns to away; 0 turns auto-away off. */
	autoAwayMinutes: number;
	/** Ring the terminal bell on a new message. */
	bell: boolean;
	/** Keyservers to look contacts up on, in order (https:// or hkps:// URLs). */
	keyservers: string[];
	/** pkarr relays the registry is reached through, over Tor (https://, or http:// for .onion). */
	registryRelays: string[];
	/**
	 * Look every contact's key up on the keyservers once in this many hours, each at a random
	 * moment on a Tor circuit of its own, to learn revocations and new expiry dates; 0: never.
	 */
	keyRefreshHours: number;
};

/** Public pkarr relays, as the pkarr project lists them as its clients' defaults. */
export const defaultRegistryRelays: readonly string[] = Object.freeze(['https://relay.pkarr.org', 'https://pkarr.pubky.org']);

export type SettingName = keyof UmbraSettings;

const port = {type: ['integer', 'null'], minimum: 1, maximum: 65_535} as const;

const schema = {
	torControlPort: {...port, default: null},
	torSocksPort: {...port, default: null},
	autoAwayMinutes: {type: 'integer', minimum: 0, maximum: 24 * 60, default: 10},
	bell: {type: 'boolean', default: true},
	keyservers: {
		type: 'array',
		items: {type: 'string', pattern: '^(https|hkps|http|hkp)://[^\\s/]+(/\\S*)?$'},
		maxItems: 16,
		default: ['hkps://keys.openpgp.org', 'hkps://keyserver.ubuntu.com'],
	},
	registryRelays: {
		type: 'array',
		items: {type: 'string', pattern: '^(https://[^\\s/]+|http://[a-z2-7]{56}\\.onion(:\\d+)?)(/\\S*)?$'},
		minItems: 1,
		maxItems: 16,
		default: [...defaultRegistryRelays],
	},
	keyRefreshHours: {type: 'integer', minimum: 0, maximum: 24 * 365, default: 0},
} as const;

export class SettingsError extends Error {
	override name = 'SettingsError';
}

export type Settings = {
	/** The settings file. */
	readonly path: string;
	get<K extends SettingName>(name: K): UmbraSettings[K];
	/** Validates and writes the file at once (atomically). */
	set<K extends SettingName>(name: K, value: UmbraSettings[K]): void;
	/** Back to the default. */
	reset(name: SettingName): void;
	all(): UmbraSettings;
};

export function openSettings({dataDir}: {dataDir: string}): Settings {
	const path = join(dataDir, `${dataFiles.settings}.json`);
	let conf: Conf<UmbraSettings>;
	try {
		conf = new Conf<UmbraSettings>({
			projectName: 'umbra',
			cwd: dataDir,
			configName: dataFiles.settings,
			schema,
			accessPropertiesByDotNotation: false,
			configFileMode: 0o600,
		});
	} catch (error) {
		throw new SettingsError(`The settings file ${path} is invalid (${describe(error)}). Fix that value, or delete the file to go back to the defaults.`);
	}

	const names = Object.keys(schema) as SettingName[];
	return {
		path: conf.path,
		get: name => conf.get(name),
		set(name, value) {
			try {
				conf.set(name, value);
			} catch (error) {
				throw new SettingsError(`Cannot set ${name}: ${describe(error)}.`);
			}
		},
		reset: name => conf.reset(name),
		all: () => Object.fromEntries(names.map(name => [name, conf.get(name)])) as UmbraSettings,
	};
}

function describe(error: unknown): string {
	const message = error instanceof Error ? error.message : String(error);
	return message.replace(/^Config schema violation: /, '').replace(/\.$/, '');
}
