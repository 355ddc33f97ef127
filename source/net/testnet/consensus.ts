// Reading the consensus a relay's DirPort serves, to see when the private network is complete:
// clients that bootstrap from an early, partial consensus stall for 10–20 s (tor-testnet.md,
// pitfall 2), so they start only when every relay serves one that lists all relays as HSDir.
import {get} from 'node:http';

/** Router flags by nickname, from a consensus or `GETINFO ns/all` (both use `r` and `s` lines). */
export function routerFlags(document: string): Map<string, Set<string>> {
	const flags = new Map<string, Set<string>>();
	let current: string | undefined;
	for (const line of document.split('\n')) {
		if (line.startsWith('r ')) {
			current = line.split(' ')[1];
		} else if (line.startsWith('s ') && current !== undefined) {
			flags.set(current, new Set(line.trim().split(' ').slice(1)));
			current = undefined;
		}
	}

	return flags;
}

/** The nicknames in `expected` that the document does not list with the HSDir flag. */
export function missingHsDirs(document: string, expected: readonly string[]): string[] {
	const flags = routerFlags(document);
	return expected.filter(nickname => !flags.get(nickname)?.has('HSDir'));
}

/** The current consensus from a DirPort on 127.0.0.1, or undefined while it has none (404). */
export async function fetchConsensus(dirPort: number, timeoutMs = 5000): Promise<string | undefined> {
	return new Promise((resolve, reject) => {
		const request = get({host: '127.0.0.1', port: dirPort, path: '/tor/status-vote/current/consensus', timeout: timeoutMs}, response => {
			if (response.statusCode === 404) {
				response.resume();
				resolve(undefined);
				return;
			}

			if (response.statusCode !== 200) {
				response.resume();
				reject(new Error(`DirPort ${dirPort} answered ${response.statusCode} ${response.statusMessage ?? ''}`));
				return;
			}

			let body = '';
			response.setEncoding('utf8');
			response.on('data', (text: string) => {
				body += text;
			});
			response.on('end', () => {
				resolve(body);
			});
			response.on('error', reject);
		});
		request.on('timeout', () => {
			request.destroy(new Error(`DirPort ${dirPort} did not answer within ${timeoutMs} ms`));
		});
		request.on('error', reject);
	});
}
