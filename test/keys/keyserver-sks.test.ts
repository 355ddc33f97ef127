// The keyserver client against a real Debian sks on loopback (no Tor: a direct dial).
// sks serves v4 legacy-ECC keys (EdDSA 22 / ECDH 18), the kind umbra makes; for RFC 9580 keys it
// answers 200 with an empty body, which must come out as "not found".
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {connect, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {parseKeyQuery} from '../../source/keys/index.js';
import {fetchCertificate, KeyserverLookupError, type KeyserverDial} from '../../source/keys/keyserver.js';
import {startSks, type SksServer} from '../../source/net/testnet/sks.js';
import {fixtureCertificate, fixtureText, makeKey} from '../helpers/key-fixtures.js';
import {pollUntil} from '../helpers/waiters.js';

const dial: KeyserverDial = async (host, port) => new Promise<Socket>((resolve, reject) => {
	const socket = connect({host, port});
	socket.once('connect', () => resolve(socket));
	socket.once('error', reject);
});

function running(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('fetchCertificate from Debian sks', () => {
	let sks: SksServer | undefined;

	before(async () => {
		sks = await startSks();
		console.log(`sks started in ${sks.startMs} ms on port ${sks.port}`);
	});

	after(async () => {
		await sks?.stop();
	});

	it('finds a v4 Ed25519/Curve25519 key added with /pks/add, by long key ID and by fingerprint', async () => {
		assert.ok(sks);
		const key = (await makeKey({name: 'Sks', date: new Date(Date.now() - 60_000)})).toPublic();
		await sks.addKey(key.armor());
		const fingerprint = key.getFingerprint().toUpperCase();
		for (const query of [parseKeyQuery(fingerprint.slice(-16)), parseKeyQuery(fingerprint)]) {
			const {certificate, keyserver} = await fetchCertificate({query, keyservers: [sks.url], dial, timeoutMs: 10_000});
			assert.equal(certificate.fingerprint, fingerprint);
			assert.deepEqual(certificate.userIds, ['Sks <sks@example.org>']);
			assert.equal(keyserver, sks.url);
		}
	});

	it('finds the committed fixture key as well, and not another key by its ID', async () => {
		assert.ok(sks);
		const alice = await fixtureCertificate('alice');
		const bob = await fixtureCertificate('bob');
		await sks.addKey(fixtureText('alice.pub.asc'));
		const {certificate} = await fetchCertificate({query: parseKeyQuery(alice.keyId), keyservers: [sks.url], dial, timeoutMs: 10_000});
		assert.equal(certificate.fingerprint, alice.fingerprint);
		await assert.rejects(
			fetchCertificate({query: parseKeyQuery(bob.fingerprint), keyservers: [sks.url], dial, timeoutMs: 10_000}),
			(error: unknown) => error instanceof KeyserverLookupError && error.notFound && /: not found/.test(error.message),
		);
	});

	it('reports sks\'s empty 200 for an RFC 9580 key as not found', async () => {
		assert.ok(sks);
		const carol = await fixtureCertificate('carol');
		await sks.addKey(fixtureText('carol.pub.asc'));
		await assert.rejects(
			fetchCertificate({query: parseKeyQuery(carol.fingerprint), keyservers: [sks.url], dial, timeoutMs: 10_000}),
			(error: unknown) => error instanceof KeyserverLookupError && error.notFound && /empty answer/.test(error.message),
		);
	});

	it('a missing key is not found', async () => {
		assert.ok(sks);
		await assert.rejects(
			fetchCertificate({query: parseKeyQuery('0123456789ABCDEF'), keyservers: [sks.url], dial, timeoutMs: 10_000}),
			(error: unknown) => error instanceof KeyserverLookupError && error.notFound,
		);
	});

	it('stop() ends sks and removes its folder', async () => {
		const second = await startSks();
		assert.ok(running(second.pid));
		assert.notEqual(second.port, sks?.port);
		await second.stop();
		assert.equal(running(second.pid), false);
		await second.stop();
	});
});

describe('the sks harness', () => {
	it('keeps its files in a fresh folder under the given directory and removes them on stop', async () => {
		const parent = mkdtempSync(join(tmpdir(), 'umbra-sks-test-'));
		try {
			const sks = await startSks({directory: parent});
			const [folder = ''] = readdirSync(parent);
			assert.match(folder, /^umbra-sks-/);
			assert.ok(existsSync(join(parent, folder, 'etc/sks/sksconf')));
			assert.ok(existsSync(join(parent, folder, 'var/lib/sks/DB')));
			await sks.stop();
			assert.deepEqual(readdirSync(parent), []);
		} finally {
			rmSync(parent, {recursive: true, force: true});
		}
	});

	it('kills sks and removes its folder when the owner process dies, even by SIGKILL', async () => {
		const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60_000)'], {stdio: 'ignore'});
		const parent = mkdtempSync(join(tmpdir(), 'umbra-sks-test-'));
		let sks: SksServer | undefined;
		try {
			assert.ok(owner.pid);
			sks = await startSks({directory: parent, ownerPid: owner.pid});
			assert.ok(running(sks.pid));
			owner.kill('SIGKILL');
			// The watchdog polls once a second; allow a few rounds.
			const pid = sks.pid;
			await pollUntil('sks to exit after its owner and remove its directory', () => !running(pid) && readdirSync(parent).length === 0, 10_000, {pollMs: 50, context: () => `; sks ${running(pid) ? 'still runs' : 'exited'}, left ${readdirSync(parent).join(', ')}`});
		} finally {
			owner.kill('SIGKILL');
			await sks?.stop();
			rmSync(parent, {recursive: true, force: true});
		}
	});
});
