// Time as the engine sees it: a clock and a scheduler, injected so that tests of publishing,
// lookups, pings and rotation run on a fake time instead of waiting; and the random fraction
// that spreads timers (publishing, rotation) so they do not line up across users.
export type Clock = {now(): number};
export type Scheduler = {setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void};
export const systemClock: Clock = {now: () => Date.now()};
export const systemScheduler: Scheduler = {
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout: handle => {
		clearTimeout(handle as ReturnType<typeof setTimeout>);
	},
};

/** A uniform fraction in [0, 1) from 4 bytes of the injected random source. */
export function randomFraction(random: (size: number) => Uint8Array): number {
	return Buffer.from(random(4)).readUInt32BE(0) / 2 ** 32;
}
