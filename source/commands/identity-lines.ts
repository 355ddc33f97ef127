// How init and id show an identity: fingerprint in groups of four, long key ID, user ID.
import {formatFingerprint, stripControl, type Profile} from '../engine/index.js';

/** The three lines init and id print. */
export function identityLines(identity: Pick<Profile['identity'], 'fingerprint' | 'keyId' | 'userId'>): string {
	return [
		`fingerprint  ${formatFingerprint(identity.fingerprint)}`,
		`key ID       ${identity.keyId}`,
		`user ID      ${identity.userId === '' ? '(none)' : stripControl(identity.userId)}`,
	].map(line => `  ${line}\n`).join('');
}
