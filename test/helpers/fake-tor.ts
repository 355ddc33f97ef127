// Just enough of tor's control port for the engine's tor layer (link and onion rotation) to run
// without a tor: bootstrap progress it is told, SETEVENTS, ADD_ONION (a made-up service ID whose
// descriptor is reported uploaded at once) and DEL_ONION, each recorded. Built on the scriptable
// fake control port; a test cuts a connection to play a tor that died.
import {randomBytes} from 'node:crypto';
import {startFakeControlPort, type FakeConnection, type FakeControlPort} from './fake-control-port.js';

export type FakeTor = {
	readonly control: FakeControlPort;
	/** Service IDs added and removed, in order, over every connection. */
	readonly added: string[];
	readonly removed: string[];
	/** What GETINFO status/bootstrap-phase answers from now on. */
	progress: number;
	/** Sends a bootstrap STATUS_CLIENT event on every open connection (tor moved on). */
	announce(progress: number): Promise<void>;
	/** Cuts every open connection, as a tor that was killed. */
	kill(): void;
	close(): Promise<void>;
};

const base32 = 'abcdefghijklmnopqrstuvwxyz234567';
const serviceId = () => [...randomBytes(56)].map(byte => base32[byte % 32]).join('');

export async function startFakeTor(): Promise<FakeTor> {
	const added: string[] = [];
	const removed: string[] = [];
	const phase = (progress: number) => `NOTICE BOOTSTRAP PROGRESS=${progress} TAG=${progress >= 100 ? 'done' : 'loading'} SUMMARY="${progress >= 100 ? 'Done' : 'Loading'}"`;
	const open = (connection: FakeConnection) => !connection.socket.destroyed;
	const tor: FakeTor = {
		control: await startFakeControlPort(async (line, connection) => {
			const [verb = '', ...words] = line.split(' ');
			if (line === 'GETINFO status/bootstrap-phase') {
				await connection.send(`250-status/bootstrap-phase=${phase(tor.progress)}\r\n250 OK\r\n`);
			} else if (verb === 'SETEVENTS') {
				await connection.send('250 OK\r\n');
			} else if (verb === 'ADD_ONION') {
				const id = serviceId();
				added.push(id);
				await connection.send(`250-ServiceID=${id}\r\n250 OK\r\n650 HS_DESC UPLOADED ${id} UNKNOWN $AAAA~relay\r\n`);
			} else if (verb === 'DEL_ONION') {
				removed.push(words[0] ?? '');
				await connection.send('250 OK\r\n');
			} else {
				await connection.send('510 Unrecognized command\r\n');
			}
		}),
		added,
		removed,
		progress: 100,
		async announce(progress) {
			tor.progress = progress;
			await Promise.all(tor.control.connections.filter(open).map(async connection => connection.send(`650 STATUS_CLIENT ${phase(progress)}\r\n`)));
		},
		kill() {
			for (const connection of tor.control.connections.filter(open)) {
				connection.socket.destroy();
			}
		},
		close: async () => tor.control.close(),
	};
	return tor;
}
