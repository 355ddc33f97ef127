// What the engine does with the events of an established session (SessionEvent from the
// sans-IO core): store and ack incoming messages (ack only after storing, so a crash loses
// nothing), mark outgoing ones delivered, note presence, typing and onion changes in the peer
// table and pass them on.
// Log lines name no contact and quote no text.
import type {PeerTable} from './peers.js';
import {serviceIdOf} from '../../net/onion-address.js';
import type {EngineEvent} from '../events.js';
import type {SessionEvent} from '../session/index.js';
import type {StreamRunner} from './stream-runner.js';
import type {Store} from '../store/index.js';

export type SessionEventContext = {
	store: Store;
	emit: (event: EngineEvent) => void;
	log: (line: string) => void;
	peers: PeerTable;
	/** The virtual port of the own onion service, which a contact's new address shares. */
	onionPort: () => number;
};

export function handleSessionEvent(context: SessionEventContext, runner: StreamRunner, event: SessionEvent): void {
	const contact = runner.established?.peer.fingerprint;
	if (!contact) {
		return;
	}

	switch (event.type) {
		case 'message': {
			try {
				const {isNew, message} = context.store.appendIncoming({id: event.id, contact, body: event.text, createdAt: event.sentAt});
				runner.stored(event.id);
				context.peers.heard(contact, {typing: false});
				if (isNew) {
					context.emit({type: 'message.received', message});
				}
			} catch (error) {
				context.emit({type: 'error', scope: 'store', message: `an incoming message could not be stored: ${(error as Error).message}`});
			}

			break;
		}

		case 'delivered': {
			const message = context.store.getMessage(event.id);
			if (message?.contact === contact && message.direction === 'out' && context.store.setState(event.id, 'delivered')) {
				context.emit({type: 'message.state', id: event.id, contact, state: 'delivered'});
			}

			break;
		}

		case 'presence': {
			context.peers.heard(contact, {presence: event.state, status: event.status});
			context.emit({type: 'contact.presence', contact, state: event.state, status: event.status});
			break;
		}

		case 'refused': {
			context.log(`a session refused a frame: ${event.reason}`);
			break;
		}

		case 'closed': {
			context.log(`a session closed: ${event.detail}`);
			break;
		}

		case 'typing': {
			context.peers.heard(contact, {typing: event.on});
			context.emit({type: 'contact.typing', contact, typing: event.on});
			break;
		}

		case 'onion-change': {
			// Redial there when this session ends (the old service goes away after a grace).
			context.peers.moved(contact, {onion: serviceIdOf(event.onion), port: context.onionPort()});

			break;
		}
	}
}
