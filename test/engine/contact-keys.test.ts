// The engine's view of contacts' keys (node/contact-keys.ts, node/key-refresh.ts), against a real
// encrypted store and keys made by openpgp: every stored contact is kept whatever its key's
// state; a merge or an expiry passing moves the running engine (here a recording follower) at
// once; the opt-in refresh asks for each contact once per period, at a random moment.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import * as openpgp from 'openpgp';
import {ContactKeys, KeyRefresh, type CertificateFollower, type CertificateUpdate} from '../../source/engine/node/index.js';
import {openStore, type Store} from '../../source/engine/store/store.js';
import type {Certificate} from '../../source/keys/index.js';
import {makeKey} from '../helpers/key-fixtures.js';
import {ManualTime} from '../helpers/manual-time.js';

const day = 24 * 60 * 60 * 1000;
const root = mkdtempSync(join(tmpdir(), 'umbra-contact-keys-'));
let stores = 0;
after(() => {
	rmSync(root, {recursive: true, force: true});
});

async function newStore(): Promise<Store> {
	return openStore({path: join(root, `store-${stores++}.db`), passphrase: 'p', create: true, kdf: {N: 2 ** 10, r: 8, p: 1}});
}

function recorder(): CertificateFollower & {calls: string[]} {
	const calls: string[] = [];
	return {
		calls,
		addContact(certificate: Certificate) {
			calls.push(`add ${certificate.fingerprint}`);
		},
		async removeContact(fingerprint: string) {
			calls.push(`remove ${fingerprint}`);
		},
		updateContact(certificate: Certificate) {
			calls.push(`update ${certificate.fingerprint}`);
		},
	};
}

const fingerprintOf = (key: openpgp.PrivateKey) => key.getFingerprint().toUpperCase();

describe('ContactKeys', () => {
	it('keeps an expired contact (not talked to), and adds it back when a merge extends its key', async () => {
		const store = await newStore();
		const expired = await makeKey({name: 'Old', date: new Date(Date.now() - (10 * day)), keyExpirationTime: 5 * day / 1000});
		const current = await makeKey({name: 'New'});
		store.addContact({fingerprint: fingerprintOf(expired), name: 'Old', certificate: expired.toPublic().write()});
		store.addContact({fingerprint: fingerprintOf(current), name: 'New', certificate: current.toPublic().write()});
		const time = new ManualTime(Date.now());
		const keys = new ContactKeys({store, clock: time, scheduler: time});
		await keys.load();
		assert.deepEqual(keys.usable().map(certificate => certificate.fingerprint), [fingerprintOf(current)]);
		assert.deepEqual(keys.view(fingerprintOf(expired)), {keyState: 'expired', userIds: ['Old <old@example.org>']});
		const follower = recorder();
		const updates: CertificateUpdate[] = [];
		keys.listen(update => updates.push(update));
		keys.follow(follower);

		const {publicKey: extended} = await openpgp.reformatKey({privateKey: expired, userIDs: [{name: 'Old', email: 'old@example.org'}], date: new Date(Date.now() - 1000), format: 'object'});
		const [update] = await keys.merge(extended.armor());
		assert.equal(update?.keyState, 'valid');
		assert.deepEqual(follower.calls, [`add ${fingerprintOf(expired)}`]);
		assert.deepEqual(updates.map(seen => seen.lines), [['Old\'s key is valid again.', 'Old\'s key no longer expires.']]);
		assert.equal(keys.view(fingerprintOf(expired)).keyState, 'valid');
		keys.stop();
		store.close();
	});

	it('cuts a contact off when its revocation is merged, and when its key expires while running', async () => {
		const store = await newStore();
		const revoking = await makeKey({name: 'Rev'});
		const expiring = await makeKey({name: 'Exp', date: new Date(Date.now() - day), keyExpirationTime: 2 * day / 1000});
		for (const [key, name] of [[revoking, 'Rev'], [expiring, 'Exp']] as const) {
			store.addContact({fingerprint: fingerprintOf(key), name, certificate: key.toPublic().write()});
		}

		const time = new ManualTime(Date.now());
		const keys = new ContactKeys({store, clock: time, scheduler: time});
		await keys.load();
		const follower = recorder();
		const updates: CertificateUpdate[] = [];
		keys.listen(update => updates.push(update));
		keys.follow(follower);

		const {publicKey: revoked} = await openpgp.revokeKey({key: revoking, format: 'object'});
		await keys.merge([revoked]);
		assert.deepEqual(follower.calls, [`remove ${fingerprintOf(revoking)}`]);
		assert.equal(keys.view(fingerprintOf(revoking)).keyState, 'revoked');
		assert.throws(() => {
			keys.checkUsable(fingerprintOf(revoking));
		}, /Rev's key was revoked .*new key/);
		const reloaded = new ContactKeys({store, clock: time, scheduler: time});
		await reloaded.load();
		assert.equal(reloaded.view(fingerprintOf(revoking)).keyState, 'revoked', 'the merged copy is stored');

		// The expiry is a day away: the timer armed for it cuts the contact off when it passes.
		assert.equal(keys.view(fingerprintOf(expiring)).keyState, 'valid');
		time.advance(day + 2000);
		await waitFor(() => follower.calls.length === 2);
		assert.deepEqual(follower.calls.at(-1), `remove ${fingerprintOf(expiring)}`);
		assert.equal(updates.at(-1)?.keyState, 'expired');
		assert.match(updates.at(-1)?.lines[0] ?? '', /^Exp's key has expired/);
		keys.stop();
		store.close();
	});

	it('refuses a key block that holds no contact\'s key', async () => {
		const store = await newStore();
		const time = new ManualTime(Date.now());
		const keys = new ContactKeys({store, clock: time, scheduler: time});
		await keys.load();
		await assert.rejects(keys.merge((await makeKey()).toPublic().armor()), {name: 'NotAContactKeyError'});
		store.close();
	});
});

describe('KeyRefresh', () => {
	it('looks each contact up once per period, at a random moment of its own, until stopped', () => {
		const time = new ManualTime(0);
		const period = 10 * 60 * 60 * 1000;
		const fractions = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2];
		const seen: Array<[string, number]> = [];
		const refresh = new KeyRefresh({
			periodMs: period,
			contacts: () => ['A', 'B', 'C'],
			refresh: async fingerprint => {
				seen.push([fingerprint, time.now()]);
			},
			scheduler: time,
			random: () => fractions.shift() ?? 0,
			log: () => undefined,
		});
		refresh.start();
		time.advance(period - 1);
		assert.deepEqual(seen, [['B', 0.1 * period], ['C', 0.5 * period], ['A', 0.9 * period]]);
		time.advance(period);
		assert.deepEqual(seen.slice(3), [['C', period + (0.2 * period)], ['A', period + (0.3 * period)], ['B', period + (0.7 * period)]]);
		refresh.stop();
		assert.equal(time.pendingTimers, 0);
		time.advance(3 * period);
		assert.equal(seen.length, 6);
	});
});

/** The expiry check reads the key asynchronously after its timer fires. */
async function waitFor(condition: () => boolean): Promise<void> {
	const deadline = Date.now() + 5000;
	while (!condition()) {
		if (Date.now() > deadline) {
			throw new Error('the condition did not come true within 5 s');
		}

		await new Promise(resolve => setImmediate(resolve));
	}
}
