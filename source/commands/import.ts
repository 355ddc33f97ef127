// umbra import: adds contacts from a keyserver (by long key ID or fingerprint, over Tor's SOCKS
// port) or from a file or standard input (one key or many, as gpg --export writes them). A key
// that is already a contact's is merged into the stored copy (new expiry, subkeys, revocation)
// and what changed is said; a new key for a contact's name or user ID is a new contact, and the
// user is told so.
//
// What can be refused without the passphrase is refused first: a short key ID, a missing
// confirmation channel (no terminal and no --yes), a bad keyserver URL. The profile is opened
// before the network is touched, so a wrong passphrase does not cost a Tor lookup. A key is
// shown (fingerprint, user IDs) before it is added, and every key that is not added is listed
// with its reason; the exit code is refused (9) when any was.
import type * as openpgp from 'openpgp';
import {certificateStatus, defaultKeyservers, dialThroughTor, fetchCertificate, fetchKeyCopies, formatFingerprint, looksLikeKeyId, mergeIntoStore, OwnKeyError, parseKeyQuery, readCertificates, readPublicKeys, refuseOwnKey, stripControl, TorUnreachableError, type Certificate, type KeyQuery, type Profile} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {confirm, readKeyInput} from './ask.js';
import {booleanFlag, stringFlag, stringsFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, keyserverFlag, passphraseFileFlag} from './common-flags.js';
import {openProfileFor} from './open.js';

const defaultSocksPort = 9050;

type Refusal = {fingerprint?: string; reason: string};

/** "Alice Doe <alice@example.org>" -> "Alice Doe"; "<alice@example.org>" -> "alice@example.org". */
export function nameFromUserId(userId: string): string {
	const match = /^(.*?)\s*<([^<>]*)>\s*$/.exec(userId);
	const name = (match ? (match[1]!.trim() || match[2]!.trim()) : userId.trim());
	return stripControl(name);
}

function socksPortFor(context: CommandContext, profile: Profile): number {
	const given = stringFlag(context, 'torSocks');
	if (given === undefined) {
		return profile.settings.get('torSocksPort') ?? defaultSocksPort;
	}

	const port = Number(given);
	if (!/^\d+$/.test(given) || port < 1 || port > 65_535) {
		throw new UsageError(`--tor-socks wants a port number (1 to 65535), not "${stripControl(given)}". Tor's SOCKS port is usually 9050 (Tor Browser: 9150).`);
	}

	return port;
}

/** New keys to add, and copies of contacts' keys to merge into their stored ones. */
type Found = {certificates: Certificate[]; copies: openpgp.PublicKey[]};

const isContact = (profile: Profile, fingerprint: string | undefined) => fingerprint !== undefined && profile.store.getContact(fingerprint) !== undefined;

/** The contact a key ID or fingerprint names, if any. */
function contactFor(profile: Profile, query: KeyQuery): string | undefined {
	const fingerprints = profile.store.listContacts().map(contact => contact.fingerprint);
	return query.kind === 'fingerprint' ? fingerprints.find(fingerprint => fingerprint === query.fingerprint) : fingerprints.find(fingerprint => fingerprint.endsWith(query.keyId));
}

/** The bytes of FILE or standard input; a file that cannot be read or holds no key is a usage error. */
async function readKeys(context: CommandContext, argument: string): Promise<Uint8Array> {
	const input = await readKeyInput(context, argument, 'a public key (gpg --export --armor FINGERPRINT)');
	const {certificates, rejected} = await readCertificates(input);
	if (certificates.length === 0 && rejected.length === 0) {
		throw new UsageError(`${argument === '-' ? 'Standard input' : argument} holds no public key. Export one with: gpg --export --armor FINGERPRINT`);
	}

	return input;
}

async function keysFrom(context: CommandContext, profile: Profile, argument: string, fromFile: Uint8Array | undefined, refusals: Refusal[]): Promise<Found> {
	if (fromFile !== undefined || argument === '-') {
		const input = fromFile ?? await readKeys(context, argument);
		const {certificates, rejected} = await readCertificates(input);
		// A contact's key is merged even when it could not be added now (revoked, expired).
		const copies = (await readPublicKeys(input)).filter(key => isContact(profile, key.getFingerprint().toUpperCase()));
		refusals.push(...rejected.filter(refusal => !isContact(profile, refusal.fingerprint)));

		return {certificates: certificates.filter(certificate => !isContact(profile, certificate.fingerprint)), copies};
	}

	const query = parseKeyQuery(argument);
	const keyservers = stringsFlag(context, 'keyserver');
	const port = socksPortFor(context, profile);
	const configured = keyservers.length > 0 ? keyservers : profile.settings.get('keyservers');
	const list = configured.length > 0 ? configured : defaultKeyservers;
	const contact = contactFor(profile, query);
	context.stderr.write(`Looking the key up on ${list.length} keyserver(s) through Tor (SOCKS port ${port})...\n`);
	let found;
	try {
		const dial = dialThroughTor({host: '127.0.0.1', port});
		if (contact !== undefined) {
			return {certificates: [], copies: await fetchKeyCopies({fingerprint: contact, keyservers: list, dial, signal: context.signal})};
		}

		found = await fetchCertificate({query, keyservers: list, dial, signal: context.signal});
	} catch (error) {
		// Every keyserver failing because Tor is not there is one problem with one fix, not N.
		const attempts = (error as {attempts?: ReadonlyArray<{error?: Error}>}).attempts;
		if (attempts && attempts.length > 0 && attempts.every(attempt => attempt.error?.name === 'SocksProxyUnreachableError')) {
			throw new TorUnreachableError(`Nothing answers on Tor's SOCKS port 127.0.0.1:${port}, so no keyserver can be asked. Start tor (apt-get install tor), or name its SOCKS port with --tor-socks PORT (Tor Browser: 9150). Or import the key from a file.`);
		}

		throw error;
	}

	const {certificate, keyserver} = found;
	context.stderr.write(`Found on ${stripControl(keyserver)}.\n`);
	return {certificates: [certificate], copies: []};
}

/** Merges a contact's newer key into the stored one and says what changed. */
async function mergeOne(context: CommandContext, profile: Profile, fingerprint: string, copies: readonly openpgp.PublicKey[]): Promise<void> {
	const update = await mergeIntoStore(profile.store, fingerprint, copies);
	const name = stripControl(update.name);
	if (update.lines.length === 0) {
		context.stdout.write(`${name}'s key is already up to date (${update.keyState}).\n`);
		return;
	}

	context.stdout.write(`Updated ${name}'s key (${formatFingerprint(fingerprint)}):\n${update.lines.map(line => `  ${stripControl(line)}`).join('\n')}\n`);
}

/**
 * A new key whose name or user ID a contact already has: maybe the contact's new key, maybe
 * someone posing as them. Never silent: the new key is only ever a new contact.
 */
async function sameNameAsContact(profile: Profile, certificate: Certificate, name: string | undefined): Promise<string | undefined> {
	for (const contact of profile.store.listContacts()) {
		const userIds = await certificateStatus(contact.certificate).then(status => status.userIds, (): string[] => []);
		const shared = certificate.userIds.find(userId => userIds.includes(userId));
		if (shared !== undefined || (name !== undefined && contact.name.toLowerCase() === name.toLowerCase())) {
			return `your contact "${stripControl(contact.name)}" has ${shared === undefined ? 'this name' : `the user ID "${stripControl(shared)}"`} with another key (${formatFingerprint(contact.fingerprint)}). A different key is a new contact, never an update of theirs: check the new fingerprint with them in person`;
		}
	}

	return undefined;
}

function describe(certificate: Certificate): string {
	const userIds = certificate.userIds.length === 0
		? ['(no user ID: the keyserver may hide it until its owner verifies an email)']
		: certificate.userIds.map(userId => stripControl(userId));
	return [`  fingerprint  ${formatFingerprint(certificate.fingerprint)}`, ...userIds.map(userId => `  user ID      ${userId}`)].join('\n');
}

/** Adds one certificate, or says why not. */
async function addOne(context: CommandContext, profile: Profile, certificate: Certificate, givenName: string | undefined): Promise<'added' | 'declined' | Refusal> {
	const {fingerprint} = certificate;
	try {
		refuseOwnKey(fingerprint, profile.identity.fingerprint);
	} catch (error) {
		if (error instanceof OwnKeyError) {
			return {fingerprint, reason: error.reason};
		}

		throw error;
	}

	const [firstUserId] = certificate.userIds;
	const name = givenName ?? (firstUserId === undefined ? undefined : nameFromUserId(firstUserId));
	if (name === undefined || name === '') {
		return {fingerprint, reason: 'it has no user ID to name the contact after. Name it with --name NAME.'};
	}

	const lookalike = await sameNameAsContact(profile, certificate, name);
	if (profile.store.getContactByName(name)) {
		return {fingerprint, reason: `${lookalike ?? `you already have a contact named "${stripControl(name)}"`}. To add it anyway, name it with --name NAME.`};
	}

	context.stdout.write(`${describe(certificate)}\n`);
	if (lookalike !== undefined) {
		context.stderr.write(`Note: ${lookalike}; it is added as "${stripControl(name)}", a contact of its own.\n`);
	}

	if (!booleanFlag(context, 'yes') && !await confirm(context, `Add this key as "${stripControl(name)}"? Check the fingerprint with its owner first.`)) {
		return 'declined';
	}

	try {
		profile.store.addContact({fingerprint, name, certificate: certificate.key.write()});
	} catch (error) {
		// A bad name (control characters, too long) or a clash the checks above did not see.
		return {fingerprint, reason: stripControl(error instanceof Error ? error.message : String(error))};
	}

	context.stdout.write(`Added ${stripControl(name)} (key ID ${certificate.keyId}).\n`);
	return 'added';
}

export const importCommand: Command = {
	name: 'import',
	usage: 'umbra import KEYID|FINGERPRINT|FILE|- [--name NAME] [--yes]',
	summary: 'Add contacts from a keyserver (over Tor), a key file or standard input',
	description: [
		'With a long key ID (16 hex) or a fingerprint (40 hex), fetches the key from the keyservers through',
		'Tor\'s SOCKS port; only the key with that ID is taken. Short (8-hex) IDs are refused: they can be',
		'forged in seconds. With FILE or - (standard input), adds every usable key in it (gpg --export output',
		'may hold several). Each key is shown (fingerprint, user IDs) and added after you confirm (--yes for',
		'scripts). The contact is named after the user ID unless --name says otherwise. Hex digits (0x and',
		'spaces allowed) are a key ID; anything else is a file (write ./CAFE for a file named CAFE). A key that is already',
		'a contact\'s is merged into the stored copy instead (a new expiry date, new subkeys, a revocation), and',
		'what changed is printed: this is how a contact\'s key is refreshed. A different key with a contact\'s',
		'name or user ID is never taken for theirs: it can only be a new contact, and you are told so. Exit 0',
		'when every key was added or merged; 9 when any was refused (the reasons are on standard error; the',
		'others are still added).',
	].join('\n'),
	flags: {
		name: {type: 'string', valueName: 'NAME', description: 'The contact\'s name (default: the name in its user ID; needed when the key has none)'},
		yes: {type: 'boolean', shortFlag: 'y', description: 'Add without asking (for scripts; check the fingerprint another way)'},
		keyserver: keyserverFlag,
		torSocks: {type: 'string', valueName: 'PORT', description: `Tor's SOCKS port on 127.0.0.1 for keyserver lookups (default: the settings' torSocksPort, else ${defaultSocksPort})`},
		dataDir: dataDirFlag,
		passphraseFile: passphraseFileFlag,
	},
	async run(context) {
		const [argument, ...extra] = context.input;
		if (argument === undefined || argument.trim() === '') {
			throw new UsageError('Say which key to add: umbra import KEYID, umbra import FILE, or umbra import - (standard input).');
		}

		if (extra.length > 0) {
			throw new UsageError(`umbra import takes one key ID or file at a time (got ${context.input.length} arguments). Quote a fingerprint written with spaces: umbra import "ABCD 1234 ...".`);
		}

		// What is wrong with the argument is said before anything is asked: a short or malformed
		// ID, a file that is missing, unreadable or holds no key.
		let fromFile: Uint8Array | undefined;
		if (looksLikeKeyId(argument)) {
			parseKeyQuery(argument);
		} else if (argument !== '-') {
			fromFile = await readKeys(context, argument);
		}

		if (!booleanFlag(context, 'yes') && (!context.stdin.isTTY || argument === '-')) {
			throw new UsageError('There is no terminal to confirm on: check the fingerprint with your contact, then run the command again with --yes.');
		}

		const givenName = stringFlag(context, 'name');
		const profile = await openProfileFor(context);
		const refusals: Refusal[] = [];
		let added = 0;
		try {
			const {certificates, copies} = await keysFrom(context, profile, argument, fromFile, refusals);
			for (const fingerprint of new Set(copies.map(key => key.getFingerprint().toUpperCase()))) {
				await mergeOne(context, profile, fingerprint, copies);
				added += 1;
			}

			if (givenName !== undefined && certificates.length > 1) {
				throw new UsageError(`--name names one contact, but this holds ${certificates.length} keys. Drop --name (each is named after its user ID), or export one key at a time.`);
			}

			for (const certificate of certificates) {
				const outcome = await addOne(context, profile, certificate, givenName);
				if (outcome === 'added') {
					added += 1;
				} else if (outcome !== 'declined') {
					refusals.push(outcome);
				}
			}
		} finally {
			profile.close();
		}

		for (const {fingerprint, reason} of refusals) {
			context.stderr.write(`Not added${fingerprint ? ` ${formatFingerprint(fingerprint)}` : ''}: ${stripControl(reason)}\n`);
		}

		if (refusals.length > 0) {
			return exitCodes.refused;
		}

		if (added === 0) {
			context.stderr.write('Nothing was added or updated.\n');
			return exitCodes.failure;
		}

		return exitCodes.ok;
	},
};
