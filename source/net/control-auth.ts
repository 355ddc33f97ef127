// Authentication to a Tor control port (control-spec.txt section 3.5 and 3.24): PROTOCOLINFO
// says what tor offers; SAFECOOKIE proves both sides know the cookie without sending it.
import {createHmac, randomBytes as cryptoRandomBytes, timingSafeEqual} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import {CookieFileRefusedError, readGuardedCookie, type CookieFileCheck} from './cookie-file.js';
import {ControlProtocolError, parseArguments, replyMessage, type ControlReply} from './control-parser.js';
import {TorAuthenticationError} from './control-errors.js';

export type AuthMethod = 'SAFECOOKIE' | 'COOKIE' | 'HASHEDPASSWORD' | 'NULL';
export type ProtocolInfo = {methods: string[]; cookieFile?: string; torVersion?: string};

export type AuthOptions = {
	/** For HASHEDPASSWORD; used only when tor offers no cookie method that works. */
	password?: string;
	/**
	 * A port umbra found rather than was told of or started, where any local program may be
	 * listening and naming any file as the cookie: only SAFECOOKIE (the server proves it knows the
	 * cookie before umbra sends anything derived from it), with a cookie file that passes the
	 * checks of readGuardedCookie, or HASHEDPASSWORD with the password the user gave. Never COOKIE,
	 * which sends the file's contents, nor NULL, which proves nothing.
	 */
	discovered?: boolean;
	/** For a discovered port: the cookie file checks' owner test knob. */
	cookieFileCheck?: CookieFileCheck;
	/** The methods umbra may use, best first; tests narrow it to force one. */
	authMethods?: readonly AuthMethod[];
	/** Test knob: reads the cookie file instead of readFile (or the checked read for a discovered port). */
	readCookie?: (path: string) => Promise<Uint8Array>;
	randomBytes?: (size: number) => Uint8Array;
};

/** The connection as authentication sees it: commands before and the AUTHENTICATE line itself. */
export type AuthChannel = {
	command(line: string): Promise<ControlReply>;
	send(line: string): Promise<ControlReply>;
	/** The endpoint, for messages. */
	where: string;
};

const serverHashKey = 'Tor safe cookie authentication server-to-controller hash';
const clientHashKey = 'Tor safe cookie authentication controller-to-server hash';
const allMethods: readonly AuthMethod[] = ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL'];

/**
 * PROTOCOLINFO, then AUTHENTICATE with the best method tor offers and umbra can do: SAFECOOKIE
 * (checking tor's server hash before sending anything), COOKIE, HASHEDPASSWORD, then NULL; on a
 * discovered port only SAFECOOKIE and HASHEDPASSWORD. Rejects with a TorAuthenticationError
 * naming every reason when none works.
 */
export async function authenticate(channel: AuthChannel, options: AuthOptions): Promise<{method: AuthMethod; protocolInfo: ProtocolInfo}> {
	const protocolInfo = parseProtocolInfo(await channel.command('PROTOCOLINFO 1'));
	const offered = protocolInfo.methods;
	const cookieFile = protocolInfo.cookieFile;
	const problems: string[] = [];
	let cookie: Uint8Array | string | undefined;
	const loadCookie = async (): Promise<Uint8Array | string> => {
		if (cookieFile === undefined) {
			return 'tor named no cookie file';
		}

		const read = options.readCookie ?? (options.discovered ? async (path: string) => readGuardedCookie(path, options.cookieFileCheck) : readFile);
		try {
			const bytes = await read(cookieFile);
			return bytes.length === 32 ? bytes : `cookie file ${cookieFile} has ${bytes.length} bytes, not 32`;
		} catch (error) {
			return error instanceof CookieFileRefusedError ? error.message : `cookie file ${cookieFile} unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
		}
	};

	for (const method of options.authMethods ?? allMethods) {
		if (!offered.includes(method)) {
			continue;
		}

		let line: string;
		if (method === 'COOKIE' && options.discovered) {
			problems.push('tor offers COOKIE, which would send the contents of whatever file it names to whoever listens; on a port umbra finds by itself it uses only SAFECOOKIE or a password (name the port with --tor-control to use COOKIE)');
			continue;
		}

		if (method === 'SAFECOOKIE' || method === 'COOKIE') {
			cookie ??= await loadCookie();
			if (typeof cookie === 'string') {
				problems.push(`tor offers ${method} but the ${cookie}`);
				continue;
			}

			line = method === 'COOKIE' ? `AUTHENTICATE ${Buffer.from(cookie).toString('hex')}` : await safeCookieLine(channel, cookie, cookieFile!, options.randomBytes ?? cryptoRandomBytes);
		} else if (method === 'HASHEDPASSWORD') {
			if (options.password === undefined) {
				problems.push('tor offers HASHEDPASSWORD but no password was given');
				continue;
			}

			// Hex needs no escaping, whatever the password contains.
			line = `AUTHENTICATE ${Buffer.from(options.password, 'utf8').toString('hex')}`;
		} else {
			if (options.discovered) {
				problems.push('tor asks for no authentication (NULL), which is refused for this port: anyone on this machine could control it');
				continue;
			}

			line = 'AUTHENTICATE';
		}

		const reply = await channel.send(line);
		if (reply.code !== 250) {
			throw new TorAuthenticationError(`${method} authentication to tor at ${channel.where} failed: ${reply.code} ${replyMessage(reply)}`);
		}

		return {method, protocolInfo};
	}

	const reasons = problems.length > 0 ? problems.join('; ') : `tor offers ${offered.join(', ') || 'no method'} and umbra may use only ${(options.authMethods ?? allMethods).join(', ')}`;
	throw new TorAuthenticationError(`cannot authenticate to tor at ${channel.where}: ${reasons}`);
}

async function safeCookieLine(channel: AuthChannel, cookie: Uint8Array, cookieFile: string, random: (size: number) => Uint8Array): Promise<string> {
	const clientNonce = Buffer.from(random(32));
	const challenge = await channel.command(`AUTHCHALLENGE SAFECOOKIE ${clientNonce.toString('hex')}`);
	const {keywords} = parseArguments(challenge.lines[0]?.text ?? '');
	const serverHash = keywords['SERVERHASH'] ?? '';
	const serverNonce = keywords['SERVERNONCE'] ?? '';
	if (!/^[0-9a-f]{64}$/i.test(serverHash) || !/^[0-9a-f]+$/i.test(serverNonce) || serverNonce.length % 2 !== 0) {
		throw new ControlProtocolError('AUTHCHALLENGE answered without SERVERHASH and SERVERNONCE', challenge.lines[0]?.text);
	}

	const message = Buffer.concat([cookie, clientNonce, Buffer.from(serverNonce, 'hex')]);
	const expected = createHmac('sha256', serverHashKey).update(message).digest();
	if (!timingSafeEqual(expected, Buffer.from(serverHash, 'hex'))) {
		// Whoever answers does not know the cookie: not the tor that wrote it. Send it nothing.
		throw new TorAuthenticationError(`SAFECOOKIE authentication to tor at ${channel.where} failed: the server hash does not match cookie file ${cookieFile}, so whatever answers on this port is not the tor that wrote it`);
	}

	return `AUTHENTICATE ${createHmac('sha256', clientHashKey).update(message).digest('hex')}`;
}

export function parseProtocolInfo(reply: ControlReply): ProtocolInfo {
	const info: ProtocolInfo = {methods: []};
	for (const line of reply.lines) {
		const {positional, keywords} = parseArguments(line.text);
		if (positional[0] === 'AUTH') {
			info.methods = (keywords['METHODS'] ?? '').split(',').filter(Boolean);
			if (keywords['COOKIEFILE'] !== undefined) {
				info.cookieFile = keywords['COOKIEFILE'];
			}
		} else if (positional[0] === 'VERSION' && keywords['Tor'] !== undefined) {
			info.torVersion = keywords['Tor'];
		}
	}

	return info;
}
