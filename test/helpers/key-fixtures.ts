// Test keys for the keys layer: the committed fixtures (test/fixtures/keys/) and small makers
// for the odd certificates the tests need (UID-less, expired, several subkeys).
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import * as openpgp from 'openpgp';
import {readCertificates, unlockIdentity, type Certificate, type Identity} from '../../source/keys/index.js';

export const fixturePassphrase = 'umbra test passphrase';
/** Argon2 at its cheapest, for tests that make keys by the dozen; production's is defaultKeyProtection. */
export const testKeyProtection = {passes: 1, parallelism: 1, memoryExponent: 3};
export type FixtureName = 'alice' | 'bob' | 'carol';

const directory = join(import.meta.dirname, '..', 'fixtures', 'keys');

export function fixtureText(file: string): string {
	return readFileSync(join(directory, file), 'utf8');
}

export async function fixtureIdentity(name: FixtureName): Promise<Identity> {
	return unlockIdentity({armoredSecretKey: fixtureText(`${name}.sec.asc`), passphrase: fixturePassphrase});
}

export async function fixtureCertificate(name: FixtureName): Promise<Certificate> {
	const {certificates, rejected} = await readCertificates(fixtureText(`${name}.pub.asc`));
	const [certificate] = certificates;
	if (!certificate || rejected.length > 0) {
		throw new Error(`fixture ${name}.pub.asc did not read as one certificate: ${JSON.stringify(rejected)}`);
	}

	return certificate;
}

export const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/**
 * The certificate as keys.openpgp.org serves it before email verification: the user ID packets
 * and their certifications removed, everything else (subkeys and bindings) kept.
 */
export function stripUserIds(key: openpgp.PublicKey): openpgp.PublicKey {
	const kept = new openpgp.PacketList<openpgp.AnyPacket>();
	let inUser = false;
	for (const packet of key.toPacketList()) {
		if (packet instanceof openpgp.UserIDPacket || packet instanceof openpgp.UserAttributePacket) {
			inUser = true;
			continue;
		}

		if (packet instanceof openpgp.PublicSubkeyPacket || packet instanceof openpgp.SecretSubkeyPacket) {
			inUser = false;
		}

		if (!(inUser && packet instanceof openpgp.SignaturePacket)) {
			kept.push(packet);
		}
	}

	return new openpgp.PublicKey(kept);
}

/** A fresh unprotected v4 key of the kind umbra makes, for tests that change it. */
export async function makeKey(options: {name?: string; date?: Date; keyExpirationTime?: number; type?: 'ecc' | 'curve25519'} = {}): Promise<openpgp.PrivateKey> {
	const name = options.name ?? 'Test';
	const {privateKey} = await openpgp.generateKey({
		type: options.type ?? 'ecc',
		...(options.type === 'curve25519' ? {} : {curve: 'curve25519Legacy' as const}),
		userIDs: [{name, email: `${name.toLowerCase()}@example.org`}],
		date: options.date ?? new Date(),
		keyExpirationTime: options.keyExpirationTime ?? 0,
		format: 'object',
	});
	return privateKey;
}

/** Predicate form of a rejected promise's error, for assert.rejects. */
export function errorMatching(type: abstract new (...arguments_: never[]) => Error, message: RegExp) {
	return (error: unknown) => error instanceof type && message.test(error.message);
}
