// Runs one IRC-style command against the engine. Failures become an error notice that says what
// to do next; nothing here throws to the screen.
import {writeFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import {resolve} from 'node:path';
import {formatFingerprint, KeyFileError, looksLikeKeyId, NotAContactKeyError, parseKeyQuery, readCertificates, readKeyFile, type Certificate, type CertificateUpdate, type ContactView, type EngineApi, type OwnPresence} from '../engine/index.js';
import {cleanLine} from './clean.js';
import {findByName, slashCommands, SlashUsageError, splitArguments, usageOf} from './slash-commands.js';
import type {Question, UiAction} from './ui-reducer.js';

export type CommandEnvironment = {
	engine: EngineApi;
	contacts: readonly ContactView[];
	selected: ContactView | undefined;
	ui: (action: UiAction) => void;
	quit: () => void;
	/** Re-reads the engine's status (own presence changes have no event). */
	refreshStatus: () => void;
	/** Shows search results for the open conversation or all. */
	search: (text: string, all: boolean) => void;
	/** The own public key, armored; absent when the caller cannot give it. */
	exportPublicKey?: (() => string) | undefined;
	cwd: string;
};

const presenceStates: readonly OwnPresence[] = ['online', 'away', 'busy', 'invisible'];

const info = (text: string): UiAction => ({type: 'notice', notice: {kind: 'info', text}});
const error_ = (text: string): UiAction => ({type: 'notice', notice: {kind: 'error', text}});

function describe(reason: unknown): string {
	return cleanLine(reason instanceof Error ? reason.message : String(reason));
}

/** The contact a command names, or the open one; a notice when there is none. */
function target(environment: CommandEnvironment, name: string, usage: string): ContactView | undefined {
	if (name === '') {
		if (!environment.selected) {
			environment.ui(error_(`No contact is open. Usage: ${usage}`));
		}

		return environment.selected;
	}

	const contact = findByName(environment.contacts, name);
	if (!contact) {
		environment.ui(error_(`No contact is named "${cleanLine(name)}". Tab completes names; usage: ${usage}`));
	}

	return contact;
}

/** A name for a new contact: what the user gave, else the user ID's name part, else the key ID. */
export function suggestedName(certificate: Certificate, given: string): string {
	if (given.trim() !== '') {
		return cleanLine(given.trim());
	}

	const userId = certificate.userIds[0] ?? '';
	const name = userId.replace(/\s*<[^>]*>\s*$/, '').replace(/\s*\([^)]*\)\s*$/, '').trim();
	return cleanLine(name === '' ? certificate.keyId : name);
}

const armoredBlock = /-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/;
// A fingerprint as people read it out and gpg prints it: ten groups of four.
const groupedFingerprint = /^(?:[\da-f]{4}\s+){9}[\da-f]{4}(?=\s|$)/i;

/** The optional NAME after a pasted key block or a spaced fingerprint: one argument at most. */
function addName(rest: string): string {
	const words = splitArguments('add', rest);
	if (words.length > 1) {
		throw new SlashUsageError(`Too many arguments for /add. Usage: ${usageOf('add')}; quote a name with spaces: "Mary Ann".`);
	}

	return words[0] ?? '';
}

/** What /add was given: a pasted key block, a key ID or fingerprint, or a file; then the name. */
function addSource(args: string): {kind: 'armor' | 'query' | 'file'; value: string; name: string} {
	const armor = armoredBlock.exec(args);
	if (armor) {
		return {kind: 'armor', value: armor[0], name: addName(`${args.slice(0, armor.index)} ${args.slice(armor.index + armor[0].length)}`)};
	}

	const grouped = groupedFingerprint.exec(args);
	if (grouped) {
		return {kind: 'query', value: grouped[0], name: addName(args.slice(grouped[0].length))};
	}

	const [first = '', name = ''] = splitArguments('add', args);
	return {kind: looksLikeKeyId(first) ? 'query' : 'file', value: first, name};
}

/** What a merge of a contact's key changed, as one notice. */
function updateNotice(update: CertificateUpdate): UiAction {
	const text = update.lines.length === 0 ? `${update.name}'s key is already up to date (${update.keyState}).` : update.lines.join(' ');
	return update.keyState === 'valid' ? info(cleanLine(text)) : error_(cleanLine(text));
}

/**
 * A new key with a contact's name or user ID: maybe their new key, maybe someone posing as them.
 * Never silent, and never an update of theirs: it can only become a contact of its own.
 */
function lookalike(contacts: readonly ContactView[], certificate: Certificate, name: string): string[] | undefined {
	for (const contact of contacts) {
		const shared = certificate.userIds.find(userId => contact.userIds.includes(userId));
		if (shared !== undefined || contact.name.toLowerCase() === name.toLowerCase()) {
			return [
				`Warning: your contact ${contact.name} has ${shared === undefined ? 'this name' : `the user ID ${cleanLine(shared)}`} with another key:`,
				`  ${formatFingerprint(contact.fingerprint)}`,
				'This different key would be a new contact, not theirs. Check it with them in person.',
			];
		}
	}

	return undefined;
}

/** Merges the contacts' keys a block holds; what is left is new keys to add. */
async function mergeContactsKeys(environment: CommandEnvironment, input: string | Uint8Array): Promise<boolean> {
	try {
		const updates = await environment.engine.mergeCertificates(input);
		for (const update of updates) {
			environment.ui(updateNotice(update));
		}

		return updates.length > 0;
	} catch (error) {
		if (error instanceof NotAContactKeyError) {
			return false;
		}

		throw error;
	}
}

async function refresh(environment: CommandEnvironment, contact: ContactView): Promise<void> {
	environment.ui(info(`Looking ${contact.name}'s key up on the keyservers over Tor…`));
	environment.ui(updateNotice(await environment.engine.refreshCertificate(contact.fingerprint)));
}

async function add(environment: CommandEnvironment, args: string): Promise<void> {
	if (args === '') {
		environment.ui(error_('Usage: /add KEYID|FINGERPRINT|FILE [NAME]: a 16-hex key ID or 40-hex fingerprint, a key file, or a pasted key block'));
		return;
	}

	const source = addSource(args);
	let certificate: Certificate | undefined;
	if (source.kind === 'query') {
		const query = parseKeyQuery(source.value);
		const known = environment.contacts.find(contact => (query.kind === 'keyid' ? contact.fingerprint.endsWith(query.keyId) : contact.fingerprint === query.fingerprint));
		if (known) {
			await refresh(environment, known);
			return;
		}

		environment.ui(info(`Looking ${cleanLine(source.value)} up on the keyservers over Tor…`));
		certificate = await environment.engine.fetchCertificate(query.kind === 'keyid' ? query.keyId : query.fingerprint);
	} else {
		const input = source.kind === 'armor' ? source.value : await readKeyFile(resolve(environment.cwd, source.value.replace(/^~(?=\/)/, homedir()))).catch((error: unknown) => {
			throw error instanceof KeyFileError ? new Error(`Cannot read ${cleanLine(source.value)}: ${error.problem}. Give a key file (gpg --export --armor KEYID > FILE), a 16-hex key ID or a 40-hex fingerprint.`) : error;
		});
		const merged = await mergeContactsKeys(environment, input);
		const {certificates, rejected} = await readCertificates(input);
		certificate = certificates.find(found => !environment.contacts.some(contact => contact.fingerprint === found.fingerprint));
		if (!certificate && merged) {
			return;
		}

		if (!certificate) {
			const what = source.kind === 'armor' ? 'The pasted block' : cleanLine(source.value);
			environment.ui(error_(`${what} holds no usable key${rejected[0] ? `: ${cleanLine(rejected[0].reason)}` : '. Export one with gpg --export --armor KEYID > FILE'}`));
			return;
		}
	}

	const name = suggestedName(certificate, source.name);
	const warning = lookalike(environment.contacts, certificate, name);
	const free = environment.contacts.some(contact => contact.name.toLowerCase() === name.toLowerCase()) ? `${name} (new key)` : name;
	environment.ui({type: 'notice', notice: undefined});
	environment.ui({type: 'overlay', overlay: {kind: 'question', question: {kind: 'add', certificate, name: free, ...(warning === undefined ? {} : {warning})}}});
}

async function rename(environment: CommandEnvironment, args: string): Promise<void> {
	const usage = usageOf('rename');
	const words = splitArguments('rename', args);
	if (words.length === 0) {
		environment.ui(error_(`Usage: ${usage}`));
		return;
	}

	const contact = words.length === 1 ? target(environment, '', usage) : target(environment, words[0]!, usage);
	const newName = words.length === 1 ? words[0]! : words.slice(1).join(' ');
	if (contact) {
		await environment.engine.renameContact(contact.fingerprint, newName);
		environment.ui(info(`${contact.name} is now ${cleanLine(newName)}.`));
	}
}

async function status(environment: CommandEnvironment, args: string): Promise<void> {
	const [given = '', ...text] = splitArguments('status', args);
	const state = given.toLowerCase();
	if (!presenceStates.includes(state as OwnPresence)) {
		environment.ui(error_('Usage: /status online|away|busy|invisible [TEXT]'));
		return;
	}

	const {engine} = environment;
	const statusText = text.join(' ');
	// The engine takes the new state at once; only telling the network takes time (going
	// invisible or back changes the onion address). So the bar and the notice change now, and the
	// end of the slow part is reported only if no later /status replaced this one meanwhile.
	const wasInvisible = engine.status().presence.state === 'invisible';
	const done = engine.setPresence(state as OwnPresence, statusText === '' ? undefined : statusText);
	environment.refreshStatus();
	const slow = state === 'invisible' || wasInvisible;
	const said = state === 'invisible' ? 'You are invisible: every contact sees you offline.' : `You are ${state}.`;
	environment.ui(info(slow ? `${said} Changing your onion address…` : said));
	const current = () => engine.status().presence.state === state;
	try {
		await done;
	} catch (error) {
		if (current()) {
			throw error;
		}

		return;
	}

	if (slow && current()) {
		environment.ui(info(`${said} Your onion address has changed.`));
	}
}

async function exportKey(environment: CommandEnvironment, args: string): Promise<void> {
	if (!environment.exportPublicKey) {
		environment.ui(error_('Export is not available here; run `umbra export` instead.'));
		return;
	}

	const [given] = splitArguments('export', args);
	const name = given ?? `umbra-${environment.engine.self.keyId}.asc`;
	const file = resolve(environment.cwd, name);
	try {
		await writeFile(file, environment.exportPublicKey(), {flag: 'wx', mode: 0o644});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			environment.ui(error_(`Not overwritten: ${cleanLine(name)} exists. Name another file: /export FILE`));
			return;
		}

		throw error;
	}

	environment.ui(info(`Wrote your public key to ${file}. Contacts add it with /add FILE or gpg --import.`));
}

export async function runCommand(environment: CommandEnvironment, name: string, args: string): Promise<void> {
	const {engine, ui} = environment;
	try {
		switch (name) {
			case 'add': {
				await add(environment, args);
				return;
			}

			case 'refresh': {
				const contact = target(environment, args, '/refresh [NAME]');
				if (contact) {
					await refresh(environment, contact);
				}

				return;
			}

			case 'remove': {
				const contact = target(environment, splitArguments(name, args)[0] ?? '', usageOf(name));
				if (contact) {
					ui({type: 'overlay', overlay: {kind: 'question', question: {kind: 'remove', fingerprint: contact.fingerprint, name: contact.name}}});
				}

				return;
			}

			case 'rename': {
				await rename(environment, args);
				return;
			}

			case 'status': {
				await status(environment, args);
				return;
			}

			case 'hide':
			case 'show': {
				const contact = target(environment, splitArguments(name, args)[0] ?? '', usageOf(name));
				if (contact) {
					await (name === 'hide' ? engine.hide(contact.fingerprint) : engine.show(contact.fingerprint));
					ui(info(name === 'hide' ? `You appear offline to ${contact.name}.` : `${contact.name} can see you again.`));
				}

				return;
			}

			case 'fingerprint': {
				const contact = target(environment, splitArguments(name, args)[0] ?? '', usageOf(name));
				if (contact) {
					ui({type: 'overlay', overlay: {kind: 'text', title: 'Fingerprints (compare them in person or on a call)', lines: [
						`${contact.name}:`, `  ${formatFingerprint(contact.fingerprint)}`, ...contact.userIds.map(userId => `  ${userId}`), '',
						'You:', `  ${formatFingerprint(engine.self.fingerprint)}`, `  ${cleanLine(engine.self.userId)}`,
					]}});
				}

				return;
			}

			case 'export': {
				await exportKey(environment, args);
				return;
			}

			case 'search': {
				const words = splitArguments(name, args);
				const all = words[0] === '-a' || words[0] === '--all';
				const text = words.slice(all ? 1 : 0).join(' ');
				if (text === '') {
					ui(error_('Usage: /search [-a] TEXT'));
				} else {
					environment.search(text, all);
				}

				return;
			}

			case 'help': {
				splitArguments(name, args);
				ui({type: 'overlay', overlay: {kind: 'help'}});
				return;
			}

			case 'quit':
			case 'exit': {
				splitArguments(name, args);
				environment.quit();
				return;
			}

			default: {
				const known = slashCommands.map(doc => `/${doc.name}`).join(' ');
				ui(error_(`Unknown command /${cleanLine(name)}. Commands: ${known}. To send a line starting with /, type //.`));
			}
		}
	} catch (reason) {
		ui(error_(reason instanceof SlashUsageError ? cleanLine(reason.message) : `/${name} failed: ${describe(reason)}`));
	}
}

/** Answers a y/n question. */
export async function answerQuestion(environment: CommandEnvironment, question: Question): Promise<void> {
	try {
		if (question.kind === 'add') {
			const contact = await environment.engine.addContact(question.certificate, question.name);
			environment.ui(info(`Added ${contact.name}. They see you online once they add you too.`));
		} else {
			await environment.engine.removeContact(question.fingerprint);
			environment.ui(info(`Removed ${question.name}; your onion address changed, so the old one no longer reaches you.`));
		}
	} catch (reason) {
		environment.ui(error_(`/${question.kind} failed: ${describe(reason)}`));
	}
}
