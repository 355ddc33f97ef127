// Two connected in-memory sockets for the stream runner and the stream hub, without tor or TCP.
// One end can hold its writes, as a congested socket does: the bytes stay in the socket and the
// write callbacks wait until release(), so a test can tell "handed to the socket" from "written".
import type {Socket} from 'node:net';
import {Duplex} from 'node:stream';

export class PipeEnd extends Duplex {
	peer: PipeEnd | undefined;
	/** While true, writes wait in this socket (bytes and callbacks) until release(). */
	holding = false;
	readonly #held: Array<{chunk: Buffer; callback: () => void}> = [];

	override _read(): void {
		// Bytes are pushed by the peer's writes.
	}

	override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
		if (this.holding) {
			this.#held.push({chunk, callback});
			return;
		}

		this.peer?.push(chunk);
		callback();
	}

	override _final(callback: (error?: Error | null) => void): void {
		this.peer?.push(null);
		callback();
	}

	override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
		const {peer} = this;
		this.peer = undefined;
		if (peer && !peer.destroyed) {
			peer.push(null);
			peer.destroy();
		}

		callback(error);
	}

	/** Writes what was held, in order, and stops holding. */
	release(): void {
		this.holding = false;
		for (const {chunk, callback} of this.#held.splice(0)) {
			this.peer?.push(chunk);
			callback();
		}
	}

	/** What net.Socket has and the runner calls: Nagle does not exist here. */
	setNoDelay(): this {
		return this;
	}
}

export function socketPair(): [PipeEnd & Socket, PipeEnd & Socket] {
	const a = new PipeEnd();
	const b = new PipeEnd();
	a.peer = b;
	b.peer = a;
	return [a as PipeEnd & Socket, b as PipeEnd & Socket];
}
