// Child process for the kill -9 test: opens the profile in argv[2] with openEngine on the given
// tor and DHT, and sends the texts "0" .. String(COUNT - 1) to the contact, printing
// "queued N" once send(N) has resolved (the message is in the store). Texts already in the
// conversation (from a run that was killed) are not sent again: the outbox resends those. Prints
// "delivered" once every text is acknowledged, then stops.
import process from 'node:process';
import {openEngine, openProfile} from '../../../source/engine/index.js';

const [dataDir, passphrase, torControl, torControlPassword, torSocks, bootstrap, contact, countText] = process.argv.slice(2);
if (!dataDir || !passphrase || !torControl || !torControlPassword || !torSocks || !bootstrap || !contact || !countText) {
	throw new Error('usage: sender DATA_DIR PASSPHRASE CONTROL PASSWORD SOCKS BOOTSTRAP,... CONTACT COUNT');
}

const count = Number(countText);
const profile = await openProfile({dataDir, passphrase});
const engine = await openEngine({profile, torControl, torControlPassword, torSocks, dhtBootstrap: bootstrap.split(','), publishWindowMs: 500, lookupBackoffMs: {first: 500, max: 4000}});
const outgoing = () => engine.history(contact, {limit: count + 10}).filter(message => message.direction === 'out');
const allDelivered = () => {
	const messages = outgoing();
	return messages.length === count && messages.every(message => message.state === 'delivered');
};

let reported = false;
engine.subscribe(event => {
	if (event.type === 'message.state' && event.state === 'delivered' && !reported && allDelivered()) {
		reported = true;
		process.stdout.write('delivered\n');
		void engine.stop().then(() => {
			profile.close();
			process.exit(0);
		});
	}
});
const online = new Promise<void>(resolve => {
	engine.subscribe(event => {
		if (event.type === 'contact.online' && event.contact === contact) {
			resolve();
		}
	});
});
await engine.start();
// Sends start once the session is up, so the kill lands while frames and acks flow.
await online;
const already = new Set(outgoing().map(message => message.body));
process.stdout.write(`resuming after ${already.size}\n`);
for (let index = 0; index < count; index++) {
	const text = String(index);
	if (!already.has(text)) {
		await engine.send(contact, text);
		process.stdout.write(`queued ${index}\n`);
	}
}

if (!reported && allDelivered()) {
	reported = true;
	process.stdout.write('delivered\n');
	await engine.stop();
	profile.close();
	process.exit(0);
}
