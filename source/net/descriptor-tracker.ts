// Descriptor uploads as tor reports them in HS_DESC events, for TorControl.waitForDescriptorUpload.
import {parseArguments, type ControlEvent} from './control-parser.js';
import {ControlConnectionError} from './control-errors.js';
import {serviceIdOf} from './onion-address.js';

type UploadCounts = {uploads: number; uploaded: number; failures: string[]};

/**
 * What HS_DESC events said about each service's descriptor uploads, so a wait that starts after
 * the uploads still sees them. A service's UPLOADs to one HSDir may repeat (the current and next
 * time periods can share HSDirs), so each HSDir counts uploads and confirmations.
 */
export class DescriptorTracker {
	static readonly maxServices = 256;
	holds = 0;
	readonly #services = new Map<string, Map<string, UploadCounts>>();
	readonly #waiters = new Set<() => void>();

	/** Counts a wait that needs HS_DESC subscribed; the returned function ends it. */
	hold(): () => void {
		this.holds += 1;
		let released = false;
		return () => {
			if (!released) {
				released = true;
				this.holds -= 1;
			}
		};
	}

	record(event: ControlEvent): void {
		const [action, address, _authType, hsDir] = parseArguments(event.text).positional;
		if (address === undefined || hsDir === undefined || !['UPLOAD', 'UPLOADED', 'FAILED'].includes(action ?? '')) {
			return;
		}

		let service = this.#services.get(address);
		if (!service) {
			service = new Map();
			this.#services.set(address, service);
			if (this.#services.size > DescriptorTracker.maxServices) {
				this.#services.delete(this.#services.keys().next().value!);
			}
		}

		// "$FINGERPRINT~nickname" or "$FINGERPRINT=nickname": the fingerprint names the HSDir.
		const directory = hsDir.replace(/^\$/, '').split(/[~=]/, 1)[0]!.toUpperCase();
		const counts = service.get(directory) ?? {uploads: 0, uploaded: 0, failures: []};
		service.set(directory, counts);
		if (action === 'UPLOAD') {
			counts.uploads += 1;
		} else if (action === 'UPLOADED') {
			counts.uploaded += 1;
		} else {
			counts.failures.push(parseArguments(event.text).keywords['REASON'] ?? 'no reason given');
		}

		for (const waiter of this.#waiters) {
			waiter();
		}
	}

	forget(serviceId: string): void {
		this.#services.delete(serviceIdOf(serviceId));
	}

	wait(serviceId: string, all: boolean, timeoutMs: number, onClose: (listener: (error?: Error) => void) => () => void): Promise<void> {
		const address = serviceIdOf(serviceId);
		return new Promise((resolve, reject) => {
			const finish = (settle: () => void) => {
				clearTimeout(timer);
				this.#waiters.delete(check);
				unsubscribe();
				settle();
			};

			const check = () => {
				const counts = [...(this.#services.get(address)?.values() ?? [])];
				const done = all
					? counts.some(entry => entry.uploads > 0) && counts.every(entry => entry.uploaded >= entry.uploads)
					: counts.some(entry => entry.uploaded > 0);
				if (done) {
					finish(resolve);
				}
			};

			const timer = setTimeout(() => {
				finish(() => reject(new Error(`the onion service descriptor was not ${all ? 'uploaded to every HSDir' : 'uploaded'} within ${timeoutMs} ms (${this.#summary(address)})`)));
			}, timeoutMs);
			const unsubscribe = onClose(error => {
				finish(() => reject(new ControlConnectionError(`the tor control connection closed while waiting for a descriptor upload${error ? `: ${error.message}` : ''}`, {cause: error})));
			});
			this.#waiters.add(check);
			check();
		});
	}

	#summary(address: string): string {
		const counts = [...(this.#services.get(address)?.values() ?? [])];
		const uploads = counts.reduce((sum, entry) => sum + entry.uploads, 0);
		const uploaded = counts.reduce((sum, entry) => sum + entry.uploaded, 0);
		const failures = counts.flatMap(entry => entry.failures);
		return `${uploads} uploads started, ${uploaded} confirmed${failures.length > 0 ? `, failures: ${failures.join(', ')}` : ''}`;
	}
}
