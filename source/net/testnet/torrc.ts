// The torrc files of a private Tor network on 127.0.0.1. Every option here is explained in
// docs/testing.md (measured); the short reasons are repeated where they matter.

/** One directory authority as every torrc of the network names it. */
export type AuthorityEntry = {
	readonly nickname: string;
	readonly orPort: number;
	readonly dirPort: number;
	/** The v3 identity (tor-gencert's `fingerprint` line). */
	readonly v3Identity: string;
	/** The relay identity (tor --list-fingerprint). */
	readonly fingerprint: string;
};

/** Voting schedule of the authorities, in seconds. */
export const votingIntervalSeconds = 10;

/**
 * How many voting intervals a consensus stays valid. Tor's testing default is 2 (20 s): a
 * network starved of CPU for longer (a heavy test on 2 cores, a suspended VM) can stop building
 * circuits until the next consensus. 30 intervals (5 min, checked in the served consensus)
 * rides that out; clients still fetch a fresh consensus every interval. Measured: after all
 * tors were SIGSTOPped for 40 s, a new onion service was reachable 1.5 s after SIGCONT with
 * either value, so this is a margin, not a fix for an observed failure.
 */
export const consensusIntervalsValid = 30;

export function dirAuthorityLine(authority: AuthorityEntry): string {
	return `DirAuthority ${authority.nickname} orport=${authority.orPort} no-v2 v3ident=${authority.v3Identity} 127.0.0.1:${authority.dirPort} ${authority.fingerprint}`;
}

/**
 * The lines every tor of the network needs, clients included. DirAuthority lines on
 * 127.0.0.1 replace the public authorities and fallback directories, so nothing leaves loopback.
 */
export function networkLines(authorities: readonly AuthorityEntry[]): string[] {
	return [
		'TestingTorNetwork 1',
		...authorities.map(authority => dirAuthorityLine(authority)),
		// As chutney does: with only a handful of relays, the default 60 % of paths is too strict.
		'PathsNeededToBuildCircuits 0.67',
	];
}

/** What each tor process of the harness has, whatever its role. */
export function processLines(options: {readonly nickname?: string; readonly dataDirectory: string; readonly ownerPid: number}): string[] {
	const {dataDirectory} = options;
	return [
		...(options.nickname ? [`Nickname ${options.nickname}`] : []),
		`DataDirectory ${dataDirectory}`,
		`PidFile ${dataDirectory}/pid`,
		// The tor command returns once the config is valid and the listeners are open.
		'RunAsDaemon 1',
		'ShutdownWaitLength 0',
		`Log notice file ${dataDirectory}/notice.log`,
		'SafeLogging 0',
		// Tor exits by itself (within 15 s) when the harness dies without stopping it.
		`__OwningControllerProcess ${options.ownerPid}`,
	];
}

function relayLines(options: {readonly orPort: number; readonly dirPort: number}): string[] {
	return [
		'Address 127.0.0.1',
		`ORPort 127.0.0.1:${options.orPort}`,
		// Relays serve a DirPort only so the harness can see when their cached consensus is complete.
		`DirPort 127.0.0.1:${options.dirPort}`,
		'SocksPort 0',
		'ContactInfo umbra private test network',
		// Publish the descriptor at once instead of testing reachability first.
		'AssumeReachable 1',
		// Onion services never use exits.
		'ExitRelay 0',
		'ExitPolicy reject *:*',
		'ServerDNSDetectHijacking 0',
		'ServerDNSTestAddresses',
	];
}

export function authorityTorrc(options: {readonly network: readonly string[]; readonly process: readonly string[]; readonly orPort: number; readonly dirPort: number}): string {
	return [
		...options.network,
		...options.process,
		...relayLines(options),
		'AuthoritativeDirectory 1',
		'V3AuthoritativeDirectory 1',
		// The fastest schedule tor allows: initial interval ≥ 5 s dividing 1800, regular ≥ 10 s,
		// delays ≥ 2 s with vote + dist delay below the interval.
		'TestingV3AuthInitialVotingInterval 5',
		'TestingV3AuthInitialVoteDelay 2',
		'TestingV3AuthInitialDistDelay 2',
		`V3AuthVotingInterval ${votingIntervalSeconds}`,
		'V3AuthVoteDelay 2',
		'V3AuthDistDelay 2',
		`V3AuthNIntervalsValid ${consensusIntervalsValid}`,
		// Every relay an HSDir and a Guard at once, with no uptime requirement.
		'TestingDirAuthVoteHSDir *',
		'TestingDirAuthVoteGuard *',
		'TestingDirAuthVoteExit *',
		'TestingMinExitFlagThreshold 0',
		// Every relay Stable at once; without it clients hung at 95 % building internal circuits.
		'AuthDirVoteStableGuaranteeMinUptime 0',
		'AuthDirVoteStableGuaranteeMTBF 0',
		'',
	].join('\n');
}

export function relayTorrc(options: {readonly network: readonly string[]; readonly process: readonly string[]; readonly orPort: number; readonly dirPort: number}): string {
	return [...options.network, ...options.process, ...relayLines(options), ''].join('\n');
}

/** Ports default to auto; fixed ones let a restarted client answer where the old one did. */
export function clientTorrc(options: {readonly network: readonly string[]; readonly process: readonly string[]; readonly dataDirectory: string; readonly hashedPassword: string; readonly controlPort?: number; readonly socksPort?: number}): string {
	const {dataDirectory} = options;
	return [
		...options.network,
		...options.process,
		// ExtendedErrors: onion failures come back as 0xF0–0xF7 instead of a bare 0x04.
		`SocksPort 127.0.0.1:${options.socksPort ?? 'auto'} ExtendedErrors`,
		`ControlPort 127.0.0.1:${options.controlPort ?? 'auto'}`,
		`ControlPortWriteToFile ${dataDirectory}/control-port`,
		'CookieAuthentication 1',
		`CookieAuthFile ${dataDirectory}/control_auth_cookie`,
		`HashedControlPassword ${options.hashedPassword}`,
		'',
	].join('\n');
}
