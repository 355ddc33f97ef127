// One table of exit codes, documented in README and man/umbra.1.
export const exitCodes = {
	ok: 0,
	failure: 1,
	usage: 2,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
