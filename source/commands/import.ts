// umbra import: adds contacts from a keyserver (by long key ID or fingerprint, over Tor's SOCKS
// port) or from a file or standard input (one key or many, as gpg --export writes them).
//
// What can be refused without the passphrase is refused first: a short key ID, a missing
// confirmation channel (no terminal and no --yes), a bad keyserver URL. The profile is opened
// before the network is touched, so a wrong passphrase does not cost a Tor lookup. A key is
// shown (fingerprint, user IDs) before it is added, and every key that is not added is listed
// with its reason; the exit code is refused (9) when any was.
import {existsSync} from 'node:fs';
import {defaultKeyservers, dialThroughTor, fetchCertificate, formatFingerprint, OwnKeyError, parseKeyQuery, readCertificates, refuseOwnKey, stripControl, type Certificate, type Profile} from '../engine/index.js';
import {exitCodes} from '../exit-codes.js';
import {confirm, readKeyInput} from './ask.js';
import {booleanFlag, stringFlag, stringsFlag, UsageError, type Command, type CommandContext} from './command.js';
import {dataDirFlag, keyserverFlag, passphraseFileFlag} from './common-flags.js';
import {openProfileFor} from './open.js';

const defaultSocksPort = 9050;

type Refusal = {fingerprint?: string; reason: string};

/** Named so exitCodeFor maps it to the Tor code (6). */
class TorSocksUnreachableError extends Error {
	override name = 'TorUnreachableError';
	constructor(port: number) {
		super(`Nothing answers on Tor's SOCKS port 127.0.0.1:${port}, so no keyserver can be asked. Start tor (apt-get install tor), or name its SOCKS port with --tor-socks PORT (Tor Browser: 9150). Or import the key from a file.`);
	}
}

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

async function certificatesFrom(context: CommandContext, profile: Profile, argument: string, refusals: Refusal[]): Promise<Certificate[]> {
	if (argument === '-' || existsSync(argument)) {
		const {certificates, rejected} = await readCertificates(await readKeyInput(context, argument, 'a public key (gpg --export --armor FINGERPRINT)'));
		refusals.push(...rejected);
		if (certificates.length === 0 && rejected.length === 0) {
			throw new UsageError(`${argument === '-' ? 'Standard input' : argument} holds no public key. Export one with: gpg --export --armor FINGERPRINT`);
		}

		return certificates;
	}

	const query = parseKeyQuery(argument);
	const keyservers = stringsFlag(context, 'keyserver');
	const port = socksPortFor(context, profile);
	const configured = keyservers.length > 0 ? keyservers : profile.settings.get('keyservers');
	const list = configured.length > 0 ? configured : defaultKeyservers;
	context.stderr.write(`Looking the key up on ${list.length} keyserver(s) through Tor (SOCKS port ${port})...\n`);
	let found;
	try {
		found = await fetchCertificate({
			query,
			keyservers: list,
			dial: dialThroughTor({host: '127.0.0.1', port}),
			signal: context.signal,
		});
	} catch (error) {
		// Every keyserver failing because Tor is not there is one problem with one fix, not N.
		const attempts = (error as {attempts?: ReadonlyArray<{error?: Error}>}).attempts;
		if (attempts && attempts.length > 0 && attempts.every(attempt => attempt.error?.name === 'SocksProxyUnreachableError')) {
			throw new TorSocksUnreachableError(port);
		}

		throw error;
	}

	const {certificate, keyserver} = found;
	context.stderr.write(`Found on ${stripControl(keyserver)}.\n`);
	return [certificate];
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

	const existing = profile.store.getContact(fingerprint);
	if (existing) {
		return {fingerprint, reason: `it is already your contact "${stripControl(existing.name)}".`};
	}

	const [firstUserId] = certificate.userIds;
	const name = givenName ?? (firstUserId === undefined ? undefined : nameFromUserId(firstUserId));
	if (name === undefined || name === '') {
		return {fingerprint, reason: 'it has no user ID to name the contact after. Name it with --name NAME.'};
	}

	if (profile.store.getContactByName(name)) {
		return {fingerprint, reason: `you already have a contact named "${stripControl(name)}". Pick another name with --name NAME.`};
	}

	context.stdout.write(`${describe(certificate)}\n`);
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
		'scripts). The contact is named after the user ID unless --name says otherwise. Exit 0 when every key',
		'was added; 9 when any was refused (the reasons are on standard error; the others are still added).',
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

		const isInput = argument === '-' || existsSync(argument);
		if (!isInput) {
			parseKeyQuery(argument); // A short or malformed ID is refused before anything is asked.
		}

		if (!booleanFlag(context, 'yes') && (!context.stdin.isTTY || argument === '-')) {
			throw new UsageError('There is no terminal to confirm on: check the fingerprint with your contact, then run the command again with --yes.');
		}

		const givenName = stringFlag(context, 'name');
		const profile = await openProfileFor(context);
		const refusals: Refusal[] = [];
		let added = 0;
		try {
			const certificates = await certificatesFrom(context, profile, argument, refusals);
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
			context.stderr.write('Nothing was added.\n');
			return exitCodes.failure;
		}

		return exitCodes.ok;
	},
};
