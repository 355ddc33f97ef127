// The input line's IRC-style commands: their table (for /help and completion), parsing a line,
// and Tab completion of command and contact names. Pure; running them is run-command.ts.

export type SlashCommandDoc = {name: string; usage: string; summary: string};

export const slashCommands: readonly SlashCommandDoc[] = [
	{name: 'add', usage: '/add KEYID|FINGERPRINT|FILE [NAME]', summary: "Add a contact from the keyservers, a key file or a pasted key block (you confirm its fingerprint first); a contact's key is merged into theirs"},
	{name: 'refresh', usage: '/refresh [NAME]', summary: "Fetch a contact's key from the keyservers over Tor and learn a new expiry date or a revocation"},
	{name: 'remove', usage: '/remove [NAME]', summary: 'Remove a contact and its history (asks first)'},
	{name: 'rename', usage: '/rename [NAME] NEWNAME', summary: 'Rename the open contact, or NAME'},
	{name: 'status', usage: '/status online|away|busy|invisible [TEXT]', summary: 'Set your presence and status text'},
	{name: 'hide', usage: '/hide [NAME]', summary: 'Appear offline to a contact'},
	{name: 'show', usage: '/show [NAME]', summary: 'Stop appearing offline to a contact'},
	{name: 'fingerprint', usage: '/fingerprint [NAME]', summary: "Show a contact's fingerprint and yours, to compare in person"},
	{name: 'export', usage: '/export [FILE]', summary: 'Write your public key to FILE (default umbra-KEYID.asc) for contacts to add'},
	{name: 'search', usage: '/search [-a] TEXT', summary: 'Search the open conversation (-a: all conversations); the newest 100 results are listed, Enter opens the chosen one at that message'},
	{name: 'help', usage: '/help', summary: 'Show the keys and these commands'},
	{name: 'quit', usage: '/quit', summary: 'Say goodbye to contacts and leave'},
];

/** Most arguments a command takes (quoted words count as one); status text and search words are free. */
const maxArguments: Readonly<Record<string, number>> = {add: 2, remove: 1, rename: 2, hide: 1, show: 1, fingerprint: 1, export: 1, help: 0, quit: 0, exit: 0};

/** A command given the wrong arguments: the message names its usage. */
export class SlashUsageError extends Error {
	override name = 'SlashUsageError';
}

/** The usage line of a command, as /help shows it. */
export function usageOf(name: string): string {
	return slashCommands.find(doc => doc.name === name)?.usage ?? `/${name}`;
}

/**
 * The one way every command's arguments are split: at spaces, except inside "double" or 'single'
 * quotes (a name with spaces), the quotes removed. Throws, naming the usage, on an unclosed quote
 * or more arguments than the command takes.
 */
export function splitArguments(name: string, args: string): string[] {
	const words: string[] = [];
	const pattern = /"([^"]*)"|'([^']*)'|(["'])|([^\s"']+)/g;
	let word: string | undefined;
	let last = 0;
	for (const match of args.matchAll(pattern)) {
		const between = args.slice(last, match.index);
		if (between.trim() !== '' || (word !== undefined && between !== '')) {
			words.push(word!);
			word = undefined;
		}

		if (match[3] !== undefined) {
			throw new SlashUsageError(`The ${match[3]} quote is not closed. Usage: ${usageOf(name)}`);
		}

		word = (word ?? '') + (match[1] ?? match[2] ?? match[4] ?? '');
		last = match.index + match[0].length;
	}

	if (word !== undefined) {
		words.push(word);
	}

	const most = maxArguments[name];
	if (most !== undefined && words.length > most) {
		throw new SlashUsageError(`Too many arguments for /${name}. Usage: ${usageOf(name)}; quote a name with spaces: "Mary Ann".`);
	}

	return words;
}

export type ParsedLine =
	| {kind: 'message'; text: string}
	| {kind: 'command'; name: string; args: string}
	| {kind: 'empty'};

/** "/x args" is a command; "//text" sends "/text" (the IRC way to start a message with a slash). */
export function parseLine(line: string): ParsedLine {
	if (line.trim() === '') {
		return {kind: 'empty'};
	}

	if (line.startsWith('//')) {
		return {kind: 'message', text: line.slice(1)};
	}

	if (line.startsWith('/')) {
		const match = /^\/(\S*)\s*([\s\S]*)$/.exec(line)!;
		return {kind: 'command', name: (match[1] ?? '').toLowerCase(), args: (match[2] ?? '').trim()};
	}

	return {kind: 'message', text: line};
}

/** Commands whose first argument is a contact name. */
const takesContact = new Set(['refresh', 'remove', 'rename', 'hide', 'show', 'fingerprint']);

function commonPrefix(words: string[]): string {
	let prefix = words[0] ?? '';
	for (const word of words.slice(1)) {
		while (!word.toLowerCase().startsWith(prefix.toLowerCase())) {
			prefix = prefix.slice(0, -1);
		}
	}

	return prefix;
}

/**
 * Tab completion of the word before the end of the line: command names after "/", contact names
 * as a command's argument or at the start of a message ("ali<Tab>" -> "alice: "). Returns the new
 * line, or undefined when nothing completes.
 */
export function complete(line: string, contactNames: readonly string[]): string | undefined {
	const command = /^\/(\S*)$/.exec(line);
	if (command) {
		const matches = slashCommands.map(doc => doc.name).filter(name => name.startsWith((command[1] ?? '').toLowerCase()));
		return extend(line, command[1] ?? '', matches, ' ');
	}

	const argument = /^\/(\S+)\s+(\S*)$/.exec(line);
	if (argument) {
		if (argument[1] === 'status') {
			const states = ['online', 'away', 'busy', 'invisible'].filter(state => state.startsWith(argument[2] ?? ''));
			return extend(line, argument[2] ?? '', states, ' ');
		}

		if (!takesContact.has(argument[1] ?? '')) {
			return undefined;
		}

		return extend(line, argument[2] ?? '', contactNames.filter(name => name.toLowerCase().startsWith((argument[2] ?? '').toLowerCase())), ' ');
	}

	const nick = /^(\S+)$/.exec(line);
	if (nick) {
		return extend(line, nick[1] ?? '', contactNames.filter(name => name.toLowerCase().startsWith((nick[1] ?? '').toLowerCase())), ': ');
	}

	return undefined;
}

function extend(line: string, word: string, matches: string[], after: string): string | undefined {
	if (matches.length === 0) {
		return undefined;
	}

	const base = line.slice(0, line.length - word.length);
	if (matches.length === 1) {
		return base + matches[0] + after;
	}

	const prefix = commonPrefix(matches);
	return prefix.length > word.length ? base + prefix : undefined;
}

/** Finds a contact by name, case-insensitively; names are unique. */
export function findByName<T extends {name: string}>(contacts: readonly T[], name: string): T | undefined {
	const wanted = name.trim().toLowerCase();
	return contacts.find(contact => contact.name.toLowerCase() === wanted);
}
