// The registry's "always above the last" kept across restarts, one watermark per contact in the
// store: the publisher's last write time (the floor under the seq of every slot it writes for
// them) and the reader's newest issue time seen from them (older records are rollbacks).
import type {WriteTimeStore} from './publisher.js';
import type {IssuedAtStore} from './reader.js';
import type {Store} from '../store/index.js';

export function storedWatermark(store: Store, field: 'lastSeq' | 'lastRecordIssuedAt', log: (line: string) => void): WriteTimeStore & IssuedAtStore {
	return {
		get: contact => store.getContact(contact)?.[field],
		set(contact, value) {
			try {
				store.updateRegistryState(contact, {[field]: value});
			} catch (error) {
				// A contact removed meanwhile has nothing to keep; the line says what else happened.
				log(`a registry watermark was not stored: ${(error as Error).message}`);
			}
		},
	};
}
