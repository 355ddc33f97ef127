// A command goes through the same checks whether the engine runs or not: a message too long for
// a frame, written before start (umbra send queues it so), is refused with an error that says
// why, and nothing is left in the outbox to be resent on every connect. A message that passes
// takes its time from the engine's clock, not the wall clock.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {test} from 'node:test';
import {importProfile, maxMessageTextBytes, openEngine} from '../../source/engine/index.js';
import {fixtureCertificate, fixturePassphrase, fixtureText} from '../helpers/key-fixtures.js';

test('before start: an over-long message is refused with a clear error and never reaches the outbox', async t => {
	const directory = mkdtempSync(join(tmpdir(), 'umbra-send-checks-'));
	const profile = await importProfile({dataDir: directory, passphrase: 'checks', secretKey: fixtureText('alice.sec.asc'), keyPassphrase: fixturePassphrase, kdf: {N: 1024, r: 8, p: 1}});
	t.after(() => {
		profile.close();
		rmSync(directory, {recursive: true, force: true});
	});
	const bob = await fixtureCertificate('bob');
	profile.store.addContact({fingerprint: bob.fingerprint, name: 'bob', certificate: bob.key.write()});
	const engine = await openEngine({profile, clock: {now: () => 1_700_000_000_000}});

	await assert.rejects(engine.send(bob.fingerprint, 'x'.repeat(maxMessageTextBytes + 1)), (error: Error) => {
		assert.ok(error instanceof RangeError, 'a RangeError');
		assert.match(error.message, new RegExp(`1 to ${maxMessageTextBytes} bytes`));
		return true;
	});
	assert.deepEqual(profile.store.unackedOutgoing(), [], 'nothing is queued');

	const queued = await engine.send(bob.fingerprint, 'short enough');
	assert.equal(queued.createdAt, 1_700_000_000_000, 'the injected clock dates it');
	assert.deepEqual(profile.store.unackedOutgoing().map(message => message.body), ['short enough']);
	await engine.stop();
});
