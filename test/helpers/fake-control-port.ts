// A scriptable stand-in for tor's control port on 127.0.0.1, for the failures a real tor will
// not produce on demand: replies dribbled a byte at a time, events inside replies, garbage,
// silence, a connection cut mid-reply, a SAFECOOKIE server that does not know the cookie.
import {createHmac, randomBytes} from 'node:crypto';
import {createServer, type Server, type Socket} from 'node:net';

export type FakeConnection = {
	readonly socket: Socket;
	/** Every line the client sent, in order (including the handshake). */
	readonly received: string[];
	/** Writes text as it is (use \r\n yourself). */
	send(text: string): Promise<void>;
	/** Writes text one byte per write, yielding to the event loop between bytes. */
	dribble(text: string): Promise<void>;
};

export type FakeAuth =
	| {kind: 'NULL'}
	| {kind: 'SAFECOOKIE'; cookie: Buffer; cookieFile: string; wrongServerHash?: boolean}
	| {kind: 'offer'; protocolInfo: string};

export type FakeControlPort = {
	readonly port: number;
	readonly connections: FakeConnection[];
	/** Resolves once `predicate` holds for the lines of some connection (bounded). */
	waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
	close(): Promise<void>;
};

type Handler = (line: string, connection: FakeConnection) => void | Promise<void>;

/**
 * `handler` sees every line after authentication; the fake answers PROTOCOLINFO, AUTHCHALLENGE,
 * AUTHENTICATE and QUIT itself. Lines are handled one after the other, as tor does.
 */
export async function startFakeControlPort(handler: Handler, auth: FakeAuth = {kind: 'NULL'}): Promise<FakeControlPort> {
	const connections: FakeConnection[] = [];
	const lineWatchers = new Set<() => void>();
	const server: Server = createServer(socket => {
		socket.setNoDelay(true);
		socket.on('error', () => {
			// The client may cut the connection; that is what some tests do.
		});
		const connection: FakeConnection = {
			socket,
			received: [],
			send: text => new Promise(resolve => {
				if (socket.destroyed) {
					resolve();
				} else {
					socket.write(text, () => resolve());
				}
			}),
			async dribble(text) {
				for (const byte of Buffer.from(text)) {
					await connection.send(String.fromCharCode(byte));
					await new Promise(resolve => setImmediate(resolve));
				}
			},
		};
		connections.push(connection);
		let buffered = '';
		let queue = Promise.resolve();
		socket.on('data', chunk => {
			buffered += chunk.toString('latin1');
			let newline: number;
			while ((newline = buffered.indexOf('\n')) !== -1) {
				const line = buffered.slice(0, newline).replace(/\r$/, '');
				buffered = buffered.slice(newline + 1);
				connection.received.push(line);
				for (const watcher of lineWatchers) {
					watcher();
				}

				queue = queue.then(() => answer(line, connection, handler, auth)).catch(() => {});
			}
		});
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (address === null || typeof address === 'string') {
		throw new Error('the fake control port has no TCP address');
	}

	return {
		port: address.port,
		connections,
		waitForLine: (predicate, timeoutMs = 5000) => new Promise((resolve, reject) => {
			const check = () => {
				const found = connections.flatMap(connection => connection.received).find(line => predicate(line));
				if (found !== undefined) {
					clearTimeout(timer);
					lineWatchers.delete(check);
					resolve(found);
				}
			};

			const timer = setTimeout(() => {
				lineWatchers.delete(check);
				reject(new Error(`the fake control port saw no such line within ${timeoutMs} ms; it saw ${JSON.stringify(connections.map(connection => connection.received))}`));
			}, timeoutMs);
			lineWatchers.add(check);
			check();
		}),
		async close() {
			for (const connection of connections) {
				connection.socket.destroy();
			}

			await new Promise(resolve => server.close(resolve));
		},
	};
}

async function answer(line: string, connection: FakeConnection, handler: Handler, auth: FakeAuth): Promise<void> {
	const [verb = '', ...words] = line.split(' ');
	if (verb === 'PROTOCOLINFO') {
		const methods = auth.kind === 'NULL'
			? '250-AUTH METHODS=NULL'
			: auth.kind === 'SAFECOOKIE' ? `250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="${auth.cookieFile}"` : auth.protocolInfo;
		await connection.send(`250-PROTOCOLINFO 1\r\n${methods}\r\n250-VERSION Tor="0.4.9.11-fake"\r\n250 OK\r\n`);
	} else if (verb === 'AUTHCHALLENGE' && auth.kind === 'SAFECOOKIE') {
		const serverNonce = randomBytes(32);
		const message = Buffer.concat([auth.cookie, Buffer.from(words[1] ?? '', 'hex'), serverNonce]);
		const hash = auth.wrongServerHash ? randomBytes(32) : createHmac('sha256', 'Tor safe cookie authentication server-to-controller hash').update(message).digest();
		await connection.send(`250 AUTHCHALLENGE SERVERHASH=${hash.toString('hex').toUpperCase()} SERVERNONCE=${serverNonce.toString('hex').toUpperCase()}\r\n`);
	} else if (verb === 'AUTHENTICATE') {
		await connection.send('250 OK\r\n');
	} else if (verb === 'QUIT') {
		await connection.send('250 closing connection\r\n');
		connection.socket.end();
	} else {
		await handler(line, connection);
	}
}
