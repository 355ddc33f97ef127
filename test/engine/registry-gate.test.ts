// afterStart: the engine's registry while the DHT still bootstraps. Publishes and lookups wait
// for the bootstrap; a failed bootstrap makes publishes fail and lookups find nothing.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Registry, RegistryItem} from '../../source/net/registry.js';
import {afterStart} from '../../source/engine/registry/gate.js';

function fakeRegistry(calls: string[]): Registry {
	return {
		maxValueBytes: 1000,
		async start() {
			calls.push('start');
		},
		async publish() {
			calls.push('publish');
			return {stored: 3};
		},
		async lookup() {
			calls.push('lookup');
			return {value: new Uint8Array([1]), seq: 1};
		},
		nodeCount: () => 7,
		async close() {
			calls.push('close');
		},
	};
}

const item = {keyPair: {publicKey: new Uint8Array(32), secretSeed: new Uint8Array(32)}, value: new Uint8Array([1]), seq: 1} satisfies RegistryItem;

function deferred(): {promise: Promise<void>; resolve: () => void; reject: (error: Error) => void} {
	let resolve!: () => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<void>((yes, no) => {
		resolve = yes;
		reject = no;
	});
	return {promise, resolve, reject};
}

describe('afterStart', () => {
	it('holds publishes and lookups until the registry has started', async () => {
		const calls: string[] = [];
		const started = deferred();
		const registry = afterStart(fakeRegistry(calls), started.promise);
		const published = registry.publish(item);
		const found = registry.lookup(new Uint8Array(32));
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(calls.length, 0, 'nothing reached the registry before its start settled');
		calls.push('started');
		started.resolve();
		assert.deepEqual(await published, {stored: 3});
		assert.deepEqual(await found, {value: new Uint8Array([1]), seq: 1});
		assert.deepEqual(calls, ['started', 'publish', 'lookup']);
		assert.equal(registry.maxValueBytes, 1000);
		assert.equal(registry.nodeCount?.(), 7);
		await registry.close();
		assert.equal(calls.at(-1), 'close');
	});

	it('fails publishes and finds nothing when the start failed', async () => {
		const calls: string[] = [];
		const started = deferred();
		const registry = afterStart(fakeRegistry(calls), started.promise);
		const published = registry.publish(item);
		const found = registry.lookup(new Uint8Array(32));
		started.reject(new Error('Could not open the DHT socket'));
		await assert.rejects(published, /Could not open the DHT socket/);
		assert.equal(await found, undefined);
		assert.equal(calls.length, 0);
	});
});
