// Every error class the commands can meet (what the engine, keys, net and commands modules
// export) has the exit code it is meant to have. A new exported error class fails here until it
// is written into `expected` (and, unless it is a plain failure, into exit-code-for.ts); a
// renamed class keeps its code, since the mapping goes by class, not by name.
import assert from 'node:assert/strict';
import {readdirSync} from 'node:fs';
import {join, relative} from 'node:path';
import {test} from 'node:test';
import {pathToFileURL} from 'node:url';
import {exitCodeFor} from '../../source/commands/index.js';
import {exitCodes, type ExitCodeName} from '../../source/exit-codes.js';

const source = join(import.meta.dirname, '..', '..', 'source');
const modules = [
	'engine/index.ts',
	'keys/index.ts',
	'keys/keyserver.ts',
	...readdirSync(join(source, 'net'), {recursive: true, encoding: 'utf8'}).filter(file => file.endsWith('.ts')).map(file => `net/${file}`),
	...readdirSync(join(source, 'commands')).filter(file => /\.tsx?$/.test(file)).map(file => `commands/${file}`),
];

const expected: Record<string, ExitCodeName> = {
	UsageError: 'usage',
	InvalidKeyQueryError: 'usage',
	InvalidKeyserverError: 'usage',
	InvalidContactNameError: 'usage',
	DuplicateNameError: 'usage',
	DuplicateContactError: 'usage',
	KeyFileError: 'usage',
	InvalidUserIdError: 'usage',
	PassphraseError: 'wrongPassphrase',
	WrongPassphraseError: 'wrongPassphrase',
	PromptCancelledError: 'failure',
	NoIdentityError: 'noIdentity',
	IdentityExistsError: 'noIdentity',
	StoreExistsError: 'noIdentity',
	StoreMissingError: 'noIdentity',
	LockedError: 'locked',
	TorUnreachableError: 'torUnreachable',
	MissingSystemToolError: 'torUnreachable',
	CookieFileRefusedError: 'torUnreachable',
	CertificateNotFoundError: 'notFound',
	KeyserverLookupError: 'notFound',
	UnknownContactError: 'notFound',
	NotAContactKeyError: 'notFound',
	CertificateMismatchError: 'refused',
	OwnKeyError: 'refused',
	CertificateRejectedError: 'refused',
	MalformedCertificateError: 'refused',
	InputTooLargeError: 'refused',
	AmbiguousKeyIdError: 'refused',
	ShortKeyIdError: 'refused',
	SecretKeyImportError: 'refused',
	// Failures with no code of their own: the message on standard error says what happened.
	KeysError: 'failure',
	RelayHttpError: 'failure',
	UnknownOptionError: 'failure',
	StoreError: 'failure',
	StoreKeyFileError: 'failure',
	StoreCorruptError: 'failure',
	StoreTooNewError: 'failure',
	MessageIdConflictError: 'failure',
	SettingsError: 'failure',
	DataDirectoryError: 'failure',
	RecordSizeError: 'failure',
	ControlError: 'failure',
	ControlConnectionError: 'failure',
	ControlProtocolError: 'failure',
	TorAuthenticationError: 'failure',
	SocksError: 'failure',
	SocksProtocolError: 'failure',
	SocksTimeoutError: 'failure',
	SocksProxyUnreachableError: 'failure',
	RegistryError: 'failure',
	TorNetworkStartError: 'failure',
};

type ErrorClass = {name: string; prototype: Error};
const isErrorClass = (value: unknown): value is ErrorClass => typeof value === 'function' && value.prototype instanceof Error;

/** Every exported Error subclass, with where it was found. */
async function exportedErrorClasses(): Promise<Map<ErrorClass, string>> {
	const found = new Map<ErrorClass, string>();
	for (const file of modules) {
		const exports = await import(pathToFileURL(join(source, file)).href) as Record<string, unknown>;
		for (const value of Object.values(exports)) {
			if (isErrorClass(value) && !found.has(value)) {
				found.set(value, relative(source, join(source, file)));
			}
		}
	}

	return found;
}

test('every exported error class maps to its intended exit code', async () => {
	const classes = await exportedErrorClasses();
	assert.ok(classes.size >= Object.keys(expected).length, `found only ${classes.size} error classes`);
	for (const [errorClass, file] of classes) {
		const intended = expected[errorClass.name];
		assert.ok(intended, `${errorClass.name} (exported by source/${file}) has no intended exit code: add it to this test's table, and to exit-code-for.ts unless it is a plain failure`);
		// An instance without running the constructor: instanceof looks at the prototype chain only.
		const error = Object.create(errorClass.prototype) as Error;
		assert.equal(exitCodeFor(error), exitCodes[intended], `${errorClass.name} (source/${file})`);
	}

	const names = new Set([...classes.keys()].map(errorClass => errorClass.name));
	assert.deepEqual(Object.keys(expected).filter(name => !names.has(name)), [], 'the table names classes nothing exports any more');
});

test('a renamed error keeps its code; what is no error class is a plain failure', async () => {
	const {LockedError} = await import('../../source/engine/index.js');
	const renamed = new LockedError(1, '/tmp/x', '/tmp/x/lock');
	renamed.name = 'SomethingElse';
	assert.equal(exitCodeFor(renamed), exitCodes.locked);
	const impostor = new Error('not really locked');
	impostor.name = 'LockedError';
	assert.equal(exitCodeFor(impostor), exitCodes.failure);
	assert.equal(exitCodeFor('a string'), exitCodes.failure);
	assert.equal(exitCodeFor(undefined), exitCodes.failure);
});
