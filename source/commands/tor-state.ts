// What keeps the engine from being online, in words, for commands that give up waiting: the
// user's own Tor first (not bootstrapped, no onion service yet), so a contact is never blamed
// for it.
import type {EngineStatus} from '../engine/index.js';

/** Undefined when Tor is bootstrapped and the onion service is up. */
export function torNotReady(status: EngineStatus): string | undefined {
	const {tor, onionUp} = status;
	// Until tor reported a bootstrap phase, umbra has not talked to it.
	if (!tor.connected && tor.summary === '') {
		return 'umbra has not reached tor\'s control port yet';
	}

	if (tor.progress < 100) {
		const summary = tor.summary === '' ? '' : ` (${tor.summary})`;
		return `tor started but its bootstrap stopped at ${tor.progress} %${summary}: no network, or a firewall?`;
	}

	if (!onionUp) {
		return 'tor is bootstrapped, but the onion service is not published yet';
	}

	return undefined;
}
