// One table of exit codes. --help, README and man/umbra.1 are generated or checked from it
// (test/cli/help.test.ts), so a new code is added here and nowhere else.
export const exitCodes = {
	ok: 0,
	failure: 1,
	usage: 2,
	wrongPassphrase: 3,
	noIdentity: 4,
	locked: 5,
	torUnreachable: 6,
	notDelivered: 7,
	notFound: 8,
	refused: 9,
	/** 128 + SIGINT, as shells report a command stopped by Ctrl-C. */
	cancelled: 130,
} as const;

export type ExitCodeName = keyof typeof exitCodes;
export type ExitCode = (typeof exitCodes)[ExitCodeName];

/** What each code means, for --help, the README and the man page. */
export const exitCodeMeanings: Record<ExitCodeName, string> = {
	ok: 'success',
	failure: 'any other failure; the reason is on standard error',
	usage: 'bad command line: unknown command or flag, missing or malformed argument',
	wrongPassphrase: 'wrong passphrase (or an empty one where a new one is chosen)',
	noIdentity: 'no identity in the data directory (run umbra init), or one already there for init',
	locked: 'another umbra is using the data directory',
	torUnreachable: 'Tor could not be reached, started or bootstrapped',
	notDelivered: 'umbra send: the message was not acknowledged before --timeout',
	notFound: 'a contact, key or keyserver entry was not found',
	refused: 'a certificate or key was refused (expired, revoked, no Curve25519 subkey, short key ID)',
	cancelled: 'umbra demo: cancelled (Ctrl-C, SIGTERM) while starting; everything it started was stopped and removed',
};
