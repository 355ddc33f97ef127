// The status bar's state: the engine's status snapshot, kept current from events in between
// snapshots (the hook re-reads the snapshot on lifecycle and onion changes). Pure.
import type {EngineEvent, EngineStatus} from '../engine/index.js';

export type StatusAction =
	| {type: 'snapshot'; status: EngineStatus}
	| {type: 'event'; event: EngineEvent; now: number};

// An unchanged value returns the same state, so nothing is drawn: every frame costs 15 to 20 ms
// of CPU, and the DHT reports its node count often.
export function statusReducer(state: EngineStatus, action: StatusAction): EngineStatus {
	if (action.type === 'snapshot') {
		return action.status;
	}

	const {event} = action;
	switch (event.type) {
		case 'lifecycle': {
			return state.lifecycle === event.state ? state : {...state, lifecycle: event.state};
		}

		case 'tor.bootstrap': {
			return state.tor.progress === event.progress && state.tor.summary === event.summary ? state : {...state, tor: {...state.tor, progress: event.progress, summary: event.summary}};
		}

		case 'registry.nodes': {
			return state.dhtNodes === event.nodes ? state : {...state, dhtNodes: event.nodes};
		}

		case 'registry.published': {
			return event.ok ? {...state, lastPublishedAt: action.now} : state;
		}

		case 'onion.changed': {
			return {...state, onionUp: true, onionSince: action.now};
		}

		default: {
			return state;
		}
	}
}

/** Which layout the app shows, from the lifecycle. */
export type Phase = 'starting' | 'publishing' | 'ready' | 'tor-lost' | 'stopping';

export function phaseOf(status: EngineStatus): Phase {
	switch (status.lifecycle) {
		case undefined:
		case 'starting':
		case 'connecting-tor': {
			return 'starting';
		}

		case 'publishing': {
			return status.tor.connected ? 'publishing' : 'tor-lost';
		}

		case 'ready': {
			return status.tor.connected ? 'ready' : 'tor-lost';
		}

		case 'stopping':
		case 'stopped': {
			return 'stopping';
		}
	}
}
