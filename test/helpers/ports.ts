// Loopback ports for tests that must name one nothing answers on.
import {createServer} from 'node:net';

/** A loopback port that nothing listens on: bound, noted, closed. */
export async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	const {port} = server.address() as {port: number};
	await new Promise(resolve => server.close(resolve));
	return port;
}
