// The identity's onion service: a loopback TCP listener and an ephemeral v3 service (ADD_ONION
// NEW:ED25519-V3, DiscardPK) in front of it, on a given control connection. The constructor
// starts nothing; start() listens, adds the service and waits for a descriptor upload, so
// contacts can reach the address once it is published. refuse() closes every new stream at once,
// as a stopping engine does, while the streams already accepted go on. stop() removes the
// service (which drops its circuits), closes the listener and every stream it accepted.
import {once} from 'node:events';
import {createServer, type AddressInfo, type Server, type Socket} from 'node:net';
import type {TorControl} from '../../net/tor-control.js';
import {onionAddressOf} from '../../net/onion-address.js';

export type OnionHostOptions = {
	control: TorControl;
	/** Called with every stream tor forwards to the service. */
	onConnection: (socket: Socket) => void;
	/** The port contacts dial on the onion address; default 80. */
	virtualPort?: number;
	/** How long to wait for the first descriptor upload; default 60 s. */
	uploadTimeoutMs?: number;
};

export type HostedOnion = {
	/** 56 base32 characters, no ".onion". */
	serviceId: string;
	/** With ".onion", as the session core wants it. */
	address: string;
	port: number;
};

export class OnionHost {
	readonly #options: OnionHostOptions;
	readonly #sockets = new Set<Socket>();
	#server: Server | undefined;
	#onion: HostedOnion | undefined;
	#refusing = false;
	#stopped = false;

	constructor(options: OnionHostOptions) {
		this.#options = options;
	}

	get onion(): HostedOnion | undefined {
		return this.#onion;
	}

	async start(): Promise<HostedOnion> {
		if (this.#server || this.#stopped) {
			throw new Error('OnionHost.start: already started; make a new one');
		}

		const server = createServer(socket => {
			if (this.#stopped || this.#refusing) {
				socket.destroy();
				return;
			}

			this.#sockets.add(socket);
			socket.once('close', () => this.#sockets.delete(socket));
			this.#options.onConnection(socket);
		});
		this.#server = server;
		server.listen(0, '127.0.0.1');
		await once(server, 'listening');
		if (this.#stopped) {
			// stop() came while the listener was starting, too early to close it.
			server.close();
			this.#throwIfStopped();
		}
		const targetPort = (server.address() as AddressInfo).port;
		const port = this.#options.virtualPort ?? 80;
		const {control} = this.#options;
		// HS_DESC before ADD_ONION, so no upload event is missed.
		const events = control.events;
		if (!events.includes('HS_DESC')) {
			await control.setEvents([...events, 'HS_DESC']);
		}

		const {serviceId} = await control.addOnion({virtualPort: port, targetPort});
		if (this.#stopped) {
			// Stopped while tor added it (a standby dropped, say): it must not outlive its owner.
			await control.delOnion(serviceId).catch(() => undefined);
			this.#throwIfStopped();
		}

		this.#onion = {serviceId, address: onionAddressOf(serviceId), port};
		await control.waitForDescriptorUpload(serviceId, {timeoutMs: this.#options.uploadTimeoutMs ?? 60_000});
		return this.#onion;
	}

	#throwIfStopped(): void {
		if (this.#stopped) {
			throw new Error('the onion service was stopped while it was being made');
		}
	}

	/** New streams are closed unanswered from now on (the address is being left). */
	refuse(): void {
		this.#refusing = true;
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		const onion = this.#onion;
		this.#onion = undefined;
		if (onion && !this.#options.control.closed) {
			await this.#options.control.delOnion(onion.serviceId).catch(() => undefined);
		}

		for (const socket of this.#sockets) {
			socket.destroy();
		}

		const server = this.#server;
		if (server?.listening) {
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
		}
	}
}
