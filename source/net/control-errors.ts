// The errors of the Tor control client, apart so that its helpers can throw them too.
/** Tor answered a command with a 4xx or 5xx status. */
export class ControlError extends Error {
	override name = 'ControlError';
	constructor(readonly code: number, readonly replyText: string, readonly command: string) {
		super(`tor refused ${command.split(' ', 1)[0]}: ${code} ${replyText}`);
	}
}

/** The control connection could not be opened, or closed or broke; `cause` says why. */
export class ControlConnectionError extends Error {
	override name = 'ControlConnectionError';
}

export class TorAuthenticationError extends Error {
	override name = 'TorAuthenticationError';
}
