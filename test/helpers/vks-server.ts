// A small loopback keyserver that speaks hagrid's (keys.openpgp.org) documented lookup API:
//   GET /vks/v1/by-fingerprint/<40 upper-case hex>   GET /vks/v1/by-keyid/<16 upper-case hex>
// A hit is 200 application/pgp-keys with the armored certificate, a miss 404, and an ID that is
// not upper-case hex of the right length (or has 0x) 400. Like hagrid, an ID matches the primary
// key or any subkey, and /pks/lookup?op=get also works. It records each request path so tests
// can tell which API the client used.
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import * as openpgp from 'openpgp';

export type VksServer = {
	/** vks+http://127.0.0.1:<port>: VKS only. */
	readonly url: string;
	readonly port: number;
	/** Every request path, in order. */
	readonly requests: string[];
	stop(): Promise<void>;
};

type Entry = {ids: Set<string>; armored: string};

async function entriesOf(armoredKeys: readonly string[]): Promise<Entry[]> {
	const entries: Entry[] = [];
	for (const armored of armoredKeys) {
		const key = await openpgp.readKey({armoredKey: armored});
		const ids = new Set<string>();
		for (const packet of [key, ...key.subkeys]) {
			const fingerprint = packet.getFingerprint().toUpperCase();
			ids.add(fingerprint);
			ids.add(fingerprint.slice(-16));
		}

		entries.push({ids, armored});
	}

	return entries;
}

export async function startVksServer(armoredKeys: readonly string[]): Promise<VksServer> {
	const entries = await entriesOf(armoredKeys);
	const requests: string[] = [];
	const lookup = (id: string) => entries.filter(entry => entry.ids.has(id)).map(entry => entry.armored).join('\n');
	const server: Server = createServer((request, response) => {
		const path = request.url ?? '/';
		requests.push(path);
		const url = new URL(path, 'http://localhost');
		const send = (status: number, type: string, body: string) => {
			response.writeHead(status, {'content-type': type, 'content-length': Buffer.byteLength(body)});
			response.end(body);
		};

		const vks = /^\/vks\/v1\/by-(fingerprint|keyid)\/([^/]*)$/.exec(url.pathname);
		if (vks) {
			const [, kind, id = ''] = vks;
			if (!(kind === 'fingerprint' ? /^[\dA-F]{40}$/ : /^[\dA-F]{16}$/).test(id)) {
				send(400, 'text/plain', kind === 'fingerprint' ? 'malformed fingerprint' : 'malformed key id');
				return;
			}

			const found = lookup(id);
			send(found ? 200 : 404, found ? 'application/pgp-keys' : 'text/plain', found || 'No key found for the given query');
			return;
		}

		if (url.pathname === '/pks/lookup' && url.searchParams.get('op') === 'get') {
			const id = (url.searchParams.get('search') ?? '').replace(/^0x/i, '').toUpperCase();
			const found = lookup(id);
			send(found ? 200 : 404, found ? 'application/pgp-keys' : 'text/plain', found || 'No key found for the given query');
			return;
		}

		send(404, 'text/plain', 'not found');
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => resolve());
	});
	const {port} = server.address() as AddressInfo;
	return {
		url: `vks+http://127.0.0.1:${port}`,
		port,
		requests,
		stop: async () => new Promise<void>(resolve => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}
