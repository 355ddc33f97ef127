// Placeholder until the private network lands: see scripts/test.ts.
export const networkEnvironmentVariable = 'UMBRA_TEST_NETWORK';
export async function startTestNetworkForRun(_root: string, _log: (line: string) => void): Promise<{descriptionPath: string; stop(keep: boolean): Promise<void>}> {
	throw new Error('the private Tor network harness is not written yet');
}
