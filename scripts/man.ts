// Generates man/umbra.1 (roff, man macros) from the tables the program itself runs on: the
// command table with every flag (source/commands), the exit codes, the TUI keymap, the bot's
// command and event tables and the data directory's file names. So the man page cannot drift;
// test/cli/man.test.ts checks the committed page equals this output and renders cleanly.
//
//   npm run man            rewrite man/umbra.1
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import process from 'node:process';
import {pathToFileURL} from 'node:url';
import {botCommandTable, botEventTable} from '../source/bot/protocol.js';
import {commands} from '../source/commands/index.js';
import {dataFiles} from '../source/engine/index.js';
import {exitCodeMeanings, exitCodes, type ExitCodeName} from '../source/exit-codes.js';
import {flagLabel} from '../source/help.js';
import {keymap, type KeymapEntry} from '../source/screens/keymap.js';
import {slashCommands} from '../source/screens/slash-commands.js';

const root = join(import.meta.dirname, '..');
export const manPagePath = join(root, 'man', 'umbra.1');

/** The TUI's key table (source/screens/keymap.ts), which the help overlay shows too. */
export function loadKeymap(): readonly KeymapEntry[] {
	return keymap;
}

/** Text for a roff line: backslashes escaped, a leading dot or quote made literal, hyphens as minus where they are options. */
function roff(text: string): string {
	const escaped = text.replaceAll('\\', '\\e').replaceAll(/(^|\s)-/g, '$1\\-');
	return escaped.split('\n').map(line => (/^[.']/.test(line) ? `\\&${line}` : line)).join('\n');
}

function bold(text: string): string {
	return `\\fB${roff(text)}\\fR`;
}

function tagged(tag: string, body: string): string {
	return `.TP\n${tag}\n${roff(body)}`;
}

function commandSection(): string {
	if (commands.length === 0) {
		return '.SH COMMANDS\nNone yet.';
	}

	return ['.SH COMMANDS', ...commands.map(command => {
		const flags = Object.entries(command.flags).map(([key, spec]) => tagged(bold(flagLabel(key, spec)), spec.description + (spec.choices ? ` (one of: ${spec.choices.join(', ')})` : '')));
		return [`.SS ${roff(command.name)}`, `.B ${roff(command.usage.replace(/^umbra /, 'umbra '))}`, '.PP', roff(command.description), ...flags].join('\n');
	})].join('\n');
}

function keysSection(keymap: readonly KeymapEntry[]): string {
	return ['.SH KEYS', 'In the terminal interface; the help overlay (?) shows the same table.', ...keymap.map(entry => tagged(bold(entry.keys.join(', ')), `${entry.description} (${entry.action})`))].join('\n');
}

function chatCommandsSection(): string {
	return ['.SH CHAT COMMANDS', roff('Typed in the input line of the terminal interface; Tab completes command and contact names. NAME defaults to the open contact; quote a name or file with spaces ("Mary Ann"); extra arguments are an error.'), ...slashCommands.map(command => tagged(bold(command.usage), command.summary))].join('\n');
}

function botSection(): string {
	const commandEntries = botCommandTable.map(doc => {
		const fields = doc.fields.map(field => `${field.name}${field.required ? '' : ' (optional)'}: ${field.description}`).join('; ');
		return tagged(bold(`{"cmd":"${doc.cmd}"}`), `${doc.description} Fields: ${fields}.`);
	});
	const eventEntries = botEventTable.map(doc => tagged(bold(doc.type), `${doc.description}${doc.fields ? ` Fields: ${doc.fields}.` : ''}`));
	return [
		'.SH BOT',
		roff('umbra bot writes one JSON object per line on standard output and reads one per line on standard input; diagnostics go to standard error. A malformed or unknown command line yields one error event naming the problem, and the bot goes on. End of input is not a quit.'),
		'.SS Commands (standard input)',
		...commandEntries,
		'.SS Events (standard output)',
		roff('Every event has "type" and "ts" (ISO 8601 time).'),
		...eventEntries,
		'.SS Hooks',
		roff('With --exec CMD, each message from an accepted contact runs /bin/sh -c CMD with the message text on standard input and UMBRA_CONTACT, UMBRA_FINGERPRINT, UMBRA_MESSAGE_ID and UMBRA_SENT_AT in an environment that holds only those and PATH, HOME, LANG, LC_ALL, LC_CTYPE, TZ, TMPDIR, USER and LOGNAME. Its standard output is sent back as the reply (nothing is sent when it is empty). A few run at once; one that fails, runs too long or writes too much is killed and reported as an error event.'),
	].join('\n');
}

function filesSection(): string {
	const described: Array<[string, string]> = [
		[dataFiles.identity, 'the OpenPGP secret key, protected by the passphrase through Argon2id (RFC 9580 S2K: 128 MiB, 3 passes per guess, no cheaper than the store\'s scrypt); a key an older umbra protected otherwise is re-locked when next opened. GnuPG 2.2 cannot read this protection'],
		[dataFiles.store, 'history, contacts and outbox: SQLite encrypted with a key derived from the passphrase'],
		[dataFiles.storeKey, 'salt and KDF parameters of the store key'],
		[dataFiles.lock, 'the PID of the umbra using the directory; one at a time'],
		[`${dataFiles.settings}.json`, 'non-secret settings. keyRefreshHours N (default 0: off) looks every contact\'s key up on the keyservers once in N hours, each at a random moment and on a Tor circuit of its own, to learn revocations and new expiry dates'],
		[`${dataFiles.tor}/`, 'torrc and Tor\'s data when umbra starts its own tor'],
	];
	return [
		'.SH FILES',
		roff('The data directory is --data-dir, else $XDG_DATA_HOME/umbra, else ~/.local/share/umbra; umbra keeps it mode 0700. In it:'),
		...described.map(([name, what]) => tagged(bold(name), what)),
	].join('\n');
}

function exitSection(): string {
	return ['.SH EXIT STATUS', ...(Object.keys(exitCodes) as ExitCodeName[]).map(name => tagged(bold(String(exitCodes[name])), exitCodeMeanings[name]))].join('\n');
}

const environment: Array<[string, string]> = [
	['UMBRA_PASSPHRASE', 'the passphrase, when --passphrase-file is not given; umbra removes it from its environment as it starts, so no child (tor, --exec hooks) inherits it'],
	['XDG_DATA_HOME', 'where the default data directory lives ($XDG_DATA_HOME/umbra)'],
	['NO_COLOR', 'when set, the terminal interface uses no colour'],
];

const securityNotes = [
	'Only contacts can tell that you are online: each publishes and reads per-pair DHT slots that nobody else can link or decrypt, and sessions run over Tor onion services whose address changes at every start, daily, and whenever a contact is removed or hidden from.',
	'A contact you hide from (/hide) or remove sees what your exit would show it: its session ends with the same goodbye, a handshake it had under way gets no answer, the address it knew stops answering within seconds, and its slot keeps your last record, unchanged, until it expires. Nothing tells it the hide from going offline.',
	'By default the registry is reached through pkarr relays over Tor (--registry relay), each request on a circuit of its own: a relay sees slot keys, values and request times but not your IP address or which requests belong together; DHT nodes see only the relay; a local observer sees only Tor traffic; the resolver sees no registry name (Tor exits resolve relay names). umbra then opens no UDP socket. The built-in relays are https://relay.pkarr.org and https://pkarr.pubky.org; name others with --registry-relay URL or the registryRelays setting in DATA_DIR/settings.json.',
	'With --registry direct (or --dht-bootstrap without --registry-relay) umbra joins the DHT over UDP, which Tor cannot carry: DHT nodes that store or answer for your slots see your IP address and when you are online (though only slot keys and values of one size and shape, a DNS TXT packet as pkarr requires, whose contents look random to all but the contact), a local observer sees DHT traffic beside Tor, and the resolver sees the DHT routers looked up at start. umbra status then says "DHT direct: DHT nodes see your IP address".',
	'umbra relay logs request counts only, never keys or values; all its onion clients share one rate-limit bucket (Tor hides who they are). Its onion key is DATA_DIR/relay/onion-key.',
	'Check a contact\'s full fingerprint with them over another channel before adding them; the bot\'s add command needs it in "confirm".',
	'A newer copy of a contact\'s key (umbra import, /add, /refresh, or the keyRefreshHours setting) is merged into the stored one, keeping only what the key\'s owner signed. A revocation stops publishing for that contact and refuses their handshakes at once, and the onion address changes; an expired key is shown as expired, keeps its history and comes back when a refreshed copy extends it. A different key is never taken for a contact\'s, whatever its name or user ID: it can only be a new contact, and umbra says so. A keyserver learns, through a Tor exit, which key is asked for, not by whom.',
	'Peer-supplied text (names, status, messages) is stripped of control and escape sequences before it is shown. Logs hold no onion address, fingerprint or message text unless --debug is given.',
	'A passphrase in UMBRA_PASSPHRASE is visible to processes of the same user (in /proc/PID/environ of umbra itself for as long as it runs, though of none of its children); prefer --passphrase-file with mode 0600.',
	'Tor: umbra uses the control port named with --tor-control, with any authentication tor asks for. Else it looks on 9051, then 9151, where any local program could pose as tor: a tor found there is used only if it proves it knows its cookie (SAFECOOKIE, with a cookie file of root\'s or yours that no other user can read or write) or takes a password you gave; it is never sent a cookie file\'s contents (COOKIE), and a port that fails is skipped (--debug says why). Else umbra starts tor from PATH with a torrc in the data directory, and authenticates to it with its cookie.',
];

export async function manPage(): Promise<string> {
	const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string; description: string};
	const keymap = loadKeymap();
	return `${[
		'.\\" Generated by scripts/man.ts from the command, exit-code, keymap and bot tables. Do not edit; run npm run man.',
		`.TH UMBRA 1 "" "umbra ${packageJson.version}" "User Commands"`,
		'.SH NAME',
		'umbra \\- terminal messenger in which only your contacts can tell that you are online',
		'.SH SYNOPSIS',
		'.B umbra',
		'[\\fICOMMAND\\fR] [\\fIFLAGS\\fR]',
		...commands.map(command => `.br\n.B ${roff(command.usage)}`),
		'.SH DESCRIPTION',
		roff(packageJson.description),
		'.PP',
		roff('Every command takes --help (its flags) and --version.'),
		commandSection(),
		keysSection(keymap),
		chatCommandsSection(),
		botSection(),
		filesSection(),
		'.SH ENVIRONMENT',
		...environment.map(([name, what]) => tagged(bold(name), what)),
		exitSection(),
		'.SH SECURITY NOTES',
		...securityNotes.flatMap(note => ['.PP', roff(note)]),
		'.SH SEE ALSO',
		'.BR tor (1),',
		'.BR gpg (1)',
	].join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	writeFileSync(manPagePath, await manPage());
	process.stderr.write(`wrote ${manPagePath}\n`);
}
