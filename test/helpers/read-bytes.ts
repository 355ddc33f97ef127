import type {Socket} from 'node:net';

/** Reads from the socket until at least `count` bytes arrived or it ended. */
export async function readBytes(socket: Socket, count: number): Promise<Buffer> {
	let received = Buffer.alloc(0);
	for await (const chunk of socket) {
		received = Buffer.concat([received, chunk as Buffer]);
		if (received.length >= count) {
			break;
		}
	}

	return received;
}
