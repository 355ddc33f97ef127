// The network flags are checked before anything else happens: a port out of range or a
// bootstrap node without a port is a usage error (exit 2) that names the flag, before the
// passphrase is asked or a profile is opened.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {exitCodes} from '../../source/exit-codes.js';
import {runUmbra} from './run-umbra.js';

describe('bad network flags', () => {
	const cases: Array<[string[], RegExp]> = [
		[['status', '--tor-socks', '99999'], /--tor-socks 99999: expected PORT or HOST:PORT with a port from 1 to 65535/],
		[['send', '--to', 'bob', 'hi', '--tor-socks', 'localhost:0'], /--tor-socks localhost:0: expected PORT or HOST:PORT/],
		[['bot', '--dht-bootstrap', 'junk'], /--dht-bootstrap junk: expected HOST:PORT/],
		[['status', '--dht-bootstrap', '9000'], /--dht-bootstrap 9000: expected HOST:PORT/],
		[['send', '--to', 'bob', 'hi', '--registry', 'direct', '--registry-relay', 'https://relay.example.org'], /--registry direct joins the DHT itself/],
	];
	for (const [args, message] of cases) {
		it(`umbra ${args.join(' ')}`, async () => {
			// The data directory does not exist: a command that got past its flags would fail on that instead.
			const result = await runUmbra([...args, '--data-dir', '/nonexistent/umbra'], {env: {UMBRA_PASSPHRASE: 'x'}});
			assert.equal(result.code, exitCodes.usage, result.stderr);
			assert.match(result.stderr, message);
			assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
		});
	}
});
