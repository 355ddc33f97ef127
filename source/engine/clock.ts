// Time as the engine sees it: a clock and a scheduler, injected so that tests of publishing,
// lookups, pings and rotation run on a fake time instead of waiting.
export type Clock = {now(): number};
export type Scheduler = {setTimeout(callback: () => void, ms: number): unknown; clearTimeout(handle: unknown): void};
export const systemClock: Clock = {now: () => Date.now()};
export const systemScheduler: Scheduler = {
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout: handle => {
		clearTimeout(handle as ReturnType<typeof setTimeout>);
	},
};
