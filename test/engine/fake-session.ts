// A stand-in for a StreamRunner where only the bye matters (the peer table and visibility only
// ever say bye to a session they drop): it counts them.
import type {StreamRunner} from '../../source/engine/node/stream-runner.js';

export function fakeSession(): StreamRunner & {byes: number} {
	const fake = {
		byes: 0,
		bye() {
			fake.byes++;
		},
	};
	return fake as unknown as StreamRunner & {byes: number};
}
