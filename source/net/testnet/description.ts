// What a running private Tor network looks like from outside: plain JSON, so the test runner
// can hand it to test files in other processes, and those can join it with a client of their own.

/** An authority or relay of the network. */
export type RelayDescription = {
	readonly nickname: string;
	readonly role: 'authority' | 'relay';
	readonly pid: number;
	readonly orPort: number;
	readonly dirPort: number;
	readonly dataDirectory: string;
	readonly torrcPath: string;
};

/** A client tor: SOCKS for streams, control port for onion services. */
export type ClientDescription = {
	readonly nickname: string;
	readonly pid: number;
	readonly socksPort: number;
	readonly controlPort: number;
	/** Cookie authentication file (the control port takes the password too). */
	readonly cookieFile: string;
	readonly password: string;
	readonly dataDirectory: string;
	readonly torrcPath: string;
};

export type TorNetworkDescription = {
	readonly directory: string;
	/** Torrc lines a new tor needs to join: TestingTorNetwork, the DirAuthority lines, path options. */
	readonly torrcLines: readonly string[];
	/** Nicknames of every authority and relay; a client is ready when its consensus lists all as HSDir. */
	readonly relayNicknames: readonly string[];
	readonly relays: readonly RelayDescription[];
	readonly clients: readonly ClientDescription[];
};
