// Child process for the lock tests: takes the lock on the data directory given as argv[2],
// says "locked" on stdout, and holds it until its stdin closes.
import process from 'node:process';
import {acquireLock} from '../../../source/engine/profile/lock.js';

const dataDir = process.argv[2];
if (dataDir === undefined) {
	throw new Error('usage: lock-holder DATA_DIR');
}

const lock = acquireLock(dataDir);
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
	lock.release();
	process.exit(0);
});
