// Attack story: Mallory, another user of the same machine, listens on a well-known control
// port (9051 is free when no system tor runs) before umbra looks there, and poses as tor. She
// names a 32-byte file of the user's as the cookie (the one umbra's own tor leaves in the data
// directory, Tor Browser's): a tor that offers plain COOKIE would be sent the file's bytes, and
// her fake tor would be trusted, see every dial and learn when the user is online. She also
// tries SAFECOOKIE without knowing the cookie, and SAFECOOKIE with a cookie she could read
// because the file is readable by everyone. None of her ports receives an AUTHENTICATE, nor
// anything derived from a cookie before she proved she knows it; each is skipped with a
// status line saying why, and umbra goes on to the next port (here a real tor, which it uses
// with SAFECOOKIE), else to a tor of its own.
import {strict as assert} from 'node:assert';
import {createHmac, randomBytes} from 'node:crypto';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {test} from 'node:test';
import {accessTor, TorUnreachableError} from '../../source/engine/index.js';
import {spawnTor} from '../../source/net/own-tor.js';
import {startFakeControlPort, type FakeAuth, type FakeControlPort} from '../helpers/fake-control-port.js';

/** Every way the cookie's bytes could leave: raw (COOKIE) or as the client hash (SAFECOOKIE). */
function leaks(line: string, cookie: Buffer): boolean {
	const upper = line.toUpperCase();
	return upper.startsWith('AUTHENTICATE') || upper.includes(cookie.toString('hex').toUpperCase());
}

test('a fake control port on a well-known port is sent nothing from a cookie file and is skipped', {timeout: 60_000}, async t => {
	const directory = mkdtempSync('/tmp/umbra-fake-control-');
	const fakes: FakeControlPort[] = [];
	const tor = await spawnTor({controlSocket: false});
	t.after(async () => {
		await Promise.all(fakes.map(async fake => fake.close()));
		await tor.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	// The user's own files, mode 0600: Mallory can name them but not read them.
	const victimFile = join(directory, 'control_auth_cookie');
	const victimCookie = randomBytes(32);
	writeFileSync(victimFile, victimCookie, {mode: 0o600});
	// A file of the user's that everyone may read: Mallory knows its bytes.
	const readableFile = join(directory, 'readable_cookie');
	const readableCookie = randomBytes(32);
	writeFileSync(readableFile, readableCookie);
	chmodSync(readableFile, 0o644);

	const answerLikeTor = async (line: string, connection: {send(text: string): Promise<void>}) => {
		await connection.send(line.startsWith('GETINFO net/listeners/socks') ? '250-net/listeners/socks="127.0.0.1:9"\r\n250 OK\r\n' : '250 OK\r\n');
	};

	const attacks: Array<{auth: FakeAuth; cookie: Buffer; why: RegExp}> = [
		{auth: {kind: 'offer', protocolInfo: `250-AUTH METHODS=COOKIE COOKIEFILE="${victimFile}"`}, cookie: victimCookie, why: /COOKIE, which would send the contents/},
		{auth: {kind: 'offer', protocolInfo: `250-AUTH METHODS=COOKIE,HASHEDPASSWORD COOKIEFILE="${victimFile}"`}, cookie: victimCookie, why: /COOKIE, which would send the contents/},
		{auth: {kind: 'SAFECOOKIE', cookie: randomBytes(32), cookieFile: victimFile, wrongServerHash: true}, cookie: victimCookie, why: /server hash does not match/},
		{auth: {kind: 'SAFECOOKIE', cookie: readableCookie, cookieFile: readableFile}, cookie: readableCookie, why: /readable by other users/},
	];
	for (const attack of attacks) {
		fakes.push(await startFakeControlPort(answerLikeTor, attack.auth));
	}

	const log: string[] = [];
	const access = await accessTor({dataDir: directory, systemPorts: [...fakes.map(fake => fake.port), tor.controlPort], torSocks: '9050', log: line => log.push(line), findTor: () => undefined});
	t.after(async () => access.release());

	assert.equal(access.origin, 'system');
	assert.deepEqual(access.control.endpoint, {host: '127.0.0.1', port: tor.controlPort}, `umbra went on to the real tor: ${log.join(' | ')}`);
	for (const [index, attack] of attacks.entries()) {
		const fake = fakes[index]!;
		const received = fake.connections.flatMap(connection => connection.received);
		assert.ok(received.includes('PROTOCOLINFO 1'), `fake ${index} was asked`);
		assert.deepEqual(received.filter(line => leaks(line, attack.cookie)), [], `fake ${index} received nothing from the cookie`);
		const status = log.find(line => line.includes(`127.0.0.1:${fake.port}`));
		assert.ok(status, `a status line names fake ${index}: ${log.join(' | ')}`);
		assert.match(status, attack.why);
	}

	// The SAFECOOKIE fake that does not know the cookie got a nonce, but no client hash of it.
	const challenged = fakes[2]!.connections.flatMap(connection => connection.received).find(line => line.startsWith('AUTHCHALLENGE'));
	assert.ok(challenged, 'SAFECOOKIE was tried');
	const clientHash = createHmac('sha256', 'Tor safe cookie authentication controller-to-server hash').update(victimCookie).digest('hex');
	assert.ok(!challenged.toUpperCase().includes(clientHash.toUpperCase()));

	// With only fakes on the well-known ports, umbra would start a tor of its own (here there is
	// no tor program, so it says how to install one) rather than settle for a fake.
	const fallback = await accessTor({dataDir: directory, systemPorts: fakes.map(fake => fake.port), torSocks: '9050', findTor: () => undefined}).then(() => undefined, (error: unknown) => error);
	assert.ok(fallback instanceof TorUnreachableError, `expected the own-tor fallback, got ${String(fallback)}`);
	assert.match(fallback.message, /no tor program to start/);
	for (const [index, attack] of attacks.entries()) {
		assert.deepEqual(fakes[index]!.connections.flatMap(connection => connection.received).filter(line => leaks(line, attack.cookie)), []);
	}
});
