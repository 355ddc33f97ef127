// The status bar: own presence and status text, Tor, the onion service, DHT nodes, when the
// registry was last published, and the open contact's fingerprint (to read out, not an address).
import {Text} from 'ink';
import {formatFingerprint, type ContactView, type EngineStatus} from '../engine/index.js';
import {cleanLine} from './clean.js';
import {formatTime} from './conversation-layout.js';
import {presenceSymbols} from './presence.js';
import {textWidth, truncate} from './text-width.js';

/** The open contact's full fingerprint when the bar has room, else its long key ID. */
export function statusLine(status: EngineStatus, contact: ContactView | undefined, now: number, width = Number.POSITIVE_INFINITY): string {
	const own = `${presenceSymbols[status.presence.state]} ${status.presence.state}${status.presence.status === '' ? '' : ` "${cleanLine(status.presence.status)}"`}`;
	const tor = status.tor.connected && status.tor.progress >= 100 ? 'Tor ok' : (status.tor.connected ? `Tor ${status.tor.progress}%` : 'Tor down');
	const onion = status.onionUp ? 'onion up' : 'onion down';
	const published = status.lastPublishedAt === undefined ? 'not published' : `published ${formatTime(status.lastPublishedAt, now)}`;
	const base = [own, tor, onion, `DHT ${status.dhtNodes}`, published].join(' │ ');
	if (!contact) {
		return base;
	}

	const full = `${base} │ ${contact.name} ${formatFingerprint(contact.fingerprint)}`;
	return textWidth(full) <= width ? full : `${base} │ ${contact.name} key ${formatFingerprint(contact.fingerprint.slice(-16))}`;
}

export function StatusBar({status, contact, width, now}: {status: EngineStatus; contact: ContactView | undefined; width: number; now: number}) {
	return <Text inverse wrap="truncate">{truncate(statusLine(status, contact, now, width), width).padEnd(width)}</Text>;
}
