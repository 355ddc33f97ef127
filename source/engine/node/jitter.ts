// Retry delays spread at random around their mean. Lookups of an offline contact at fixed
// intervals would form a beat that DHT nodes (and anyone counting a contact's slot reads) can
// recognise as one umbra looking for one contact; uniform in [0.5, 1.5] x the mean keeps the
// average pace and breaks the beat.
import type {Random} from '../session/index.js';

/** A delay uniform in [meanMs / 2, meanMs * 3 / 2), whole milliseconds, from the injected random source. */
export function jitteredDelay(meanMs: number, random: Random): number {
	const bytes = random(4);
	if (bytes.length !== 4) {
		throw new RangeError('jitteredDelay: the random source returned the wrong number of bytes');
	}

	const unit = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) / 2 ** 32;
	return Math.floor(meanMs * (0.5 + unit));
}
