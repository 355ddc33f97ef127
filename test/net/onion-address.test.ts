import assert from 'node:assert/strict';
import {test} from 'node:test';
import {isOnionAddress, isServiceId, onionAddressOf, parseOnionAddress, serviceIdOf} from '../../source/net/onion-address.js';

/** The Tor Project's v3 onion service: a real address with a valid checksum. */
const torProject = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid';

test('parseOnionAddress checks the version and checksum and gives the lower-case service ID', () => {
	assert.equal(parseOnionAddress(torProject), torProject);
	assert.equal(parseOnionAddress(`${torProject}.onion`), torProject);
	assert.equal(parseOnionAddress(torProject.toUpperCase()), torProject);
	assert.equal(parseOnionAddress(`${torProject.slice(0, 50)}aaaaaa`), undefined, 'checksum');
	assert.equal(parseOnionAddress(torProject.slice(1)), undefined, 'length');
	assert.equal(parseOnionAddress(`${torProject.slice(0, 55)}1`), undefined, 'alphabet');
	assert.equal(parseOnionAddress('expyuzz4wqqyqhjn.onion'), undefined, 'v2 addresses are gone');
	assert.equal(parseOnionAddress(`${torProject}.onion.example`), undefined);
	assert.equal(parseOnionAddress(42 as unknown as string), undefined);
});

test('service IDs and addresses: the shape only, and one turned into the other', () => {
	assert.equal(isServiceId(torProject), true);
	assert.equal(isServiceId('a'.repeat(56)), true, 'no checksum check: a shape');
	assert.equal(isServiceId(torProject.toUpperCase()), false);
	assert.equal(isServiceId(`${torProject}.onion`), false);
	assert.equal(isOnionAddress(`${torProject}.onion`), true);
	assert.equal(isOnionAddress(torProject), false);
	assert.equal(isOnionAddress(`${torProject}.onion\n`), false);
	assert.equal(serviceIdOf(`${torProject.toUpperCase()}.onion`), torProject);
	assert.equal(serviceIdOf(torProject), torProject);
	assert.equal(onionAddressOf(torProject), `${torProject}.onion`);
	assert.equal(onionAddressOf(`${torProject}.onion`), `${torProject}.onion`);
});
