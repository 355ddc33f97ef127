// A clearnet relay over HTTPS: TLS inside the SOCKS stream, with the certificate checked against
// the CA umbra is given (a test CA made with openssl here; the system's CAs in production). The
// right certificate works; one the CA did not sign, or for another name, is refused.
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {once} from 'node:events';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {createServer} from 'node:https';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {ed25519PublicKey} from '../../source/keys/slot.js';
import {RelayRegistry} from '../../source/net/relay-registry.js';
import {startSocksForwarder, type SocksForwarder} from '../helpers/socks-forwarder.js';

const directory = mkdtempSync(join(tmpdir(), 'umbra-relay-tls-'));

/** A CA and a certificate it signs for `name`; returns PEM texts. */
function makeCertificates(tag: string, name: string): {ca: string; key: string; cert: string} {
	const file = (suffix: string) => join(directory, `${tag}-${suffix}`);
	const run = (...args: string[]) => execFileSync('openssl', args, {stdio: 'pipe'});
	run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${tag} test CA`, '-keyout', file('ca.key'), '-out', file('ca.pem'));
	run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`, '-keyout', file('key.pem'), '-out', file('csr.pem'));
	const extensions = join(directory, `${tag}-ext.cnf`);
	execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:${name}\\n' > '${extensions}'`]);
	run('x509', '-req', '-in', file('csr.pem'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', extensions, '-out', file('cert.pem'));
	return {ca: readFileSync(file('ca.pem'), 'utf8'), key: readFileSync(file('key.pem'), 'utf8'), cert: readFileSync(file('cert.pem'), 'utf8')};
}

describe('RelayRegistry over HTTPS', () => {
	let socks: SocksForwarder;
	let port: number;
	let server: ReturnType<typeof createServer>;
	let good: {ca: string; key: string; cert: string};
	let other: {ca: string};
	const items = new Map<string, Buffer>();

	before(async () => {
		good = makeCertificates('good', 'relay.test');
		other = makeCertificates('other', 'relay.test');
		server = createServer({key: good.key, cert: good.cert}, (request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				if (request.method === 'PUT') {
					items.set(request.url!, Buffer.concat(chunks));
					response.writeHead(204).end();
				} else {
					const item = items.get(request.url!);
					response.writeHead(item ? 200 : 404).end(item);
				}
			});
		});
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		port = (server.address() as AddressInfo).port;
		socks = await startSocksForwarder();
	});
	after(async () => {
		server.close();
		server.closeAllConnections();
		await socks.close();
		rmSync(directory, {recursive: true, force: true});
	});

	const owner = () => {
		const secretSeed = new Uint8Array(randomBytes(32));
		return {publicKey: ed25519PublicKey(secretSeed), secretSeed};
	};

	it('publishes and finds through TLS inside the SOCKS stream, the name sent unresolved', async () => {
		const client = new RelayRegistry({relays: [`https://relay.test:${port}`], socks: () => socks.endpoint, ca: good.ca, requestTimeoutMs: 10_000});
		const keyPair = owner();
		const value = new Uint8Array(randomBytes(300));
		assert.deepEqual(await client.publish({keyPair, value, seq: 5}), {stored: 1});
		assert.deepEqual(await client.lookup(keyPair.publicKey), {value, seq: 5});
		assert.ok(socks.streams.some(stream => stream.host === 'relay.test' && stream.port === port));
	});

	it('refuses a certificate its CA did not sign, and one for another name', async () => {
		const wrongCa = new RelayRegistry({relays: [`https://relay.test:${port}`], socks: () => socks.endpoint, ca: other.ca, requestTimeoutMs: 10_000});
		await assert.rejects(wrongCa.publish({keyPair: owner(), value: new Uint8Array([1]), seq: 1}), /could not be reached \(TLS with relay\.test failed: .*certificate/i);
		const wrongName = new RelayRegistry({relays: [`https://elsewhere.test:${port}`], socks: () => socks.endpoint, ca: good.ca, requestTimeoutMs: 10_000});
		await assert.rejects(wrongName.publish({keyPair: owner(), value: new Uint8Array([1]), seq: 1}), /TLS with elsewhere\.test failed: .*(altnames|Hostname)/i);
		assert.equal(items.size, 1, 'nothing more reached the relay');
	});
});
