// Child process for the kill -9 test: opens the store at argv[2] (passphrase argv[3]) and writes
// messages to the contact argv[4] forever, printing each message ID on stdout only after the
// transaction holding it has committed. Alternates single writes with batches of 25, and marks
// some earlier messages sent or delivered, so the kill lands in different kinds of write.
import process from 'node:process';
import {openStore} from '../../../source/engine/store/store.js';

const [path, passphrase, contact, prefix = 'm'] = process.argv.slice(2);
if (path === undefined || passphrase === undefined || contact === undefined) {
	throw new Error('usage: store-writer STORE PASSPHRASE CONTACT [PREFIX]');
}

const store = await openStore({path, passphrase, create: false});
process.stdout.write('opened\n');
const body = 'x'.repeat(300);
for (let index = 0; ; index++) {
	if (index % 3 === 2) {
		const ids = store.transaction(() => {
			const batch: string[] = [];
			for (let item = 0; item < 25; item++) {
				const id = `${prefix}-${index}-${item}`;
				store.appendOutgoing({id, contact, body});
				batch.push(id);
			}

			return batch;
		});
		process.stdout.write(`${ids.join('\n')}\n`);
	} else {
		const id = `${prefix}-${index}`;
		store.appendIncoming({id, contact, body, createdAt: index});
		process.stdout.write(`${id}\n`);
	}

	if (index % 5 === 0) {
		store.setState(`${prefix}-${index - 3}-0`, index % 2 === 0 ? 'sent' : 'delivered');
	}
}
