// Flags several commands share, spelled once.
import type {FlagSpec} from './command.js';

export const dataDirFlag: FlagSpec = {type: 'string', valueName: 'DIR', description: 'Data directory (default: $XDG_DATA_HOME/umbra or ~/.local/share/umbra)'};
export const passphraseFileFlag: FlagSpec = {type: 'string', valueName: 'FILE', description: 'Read the passphrase from the first line of FILE (or set UMBRA_PASSPHRASE); default: ask on the terminal, /dev/tty when standard input is a pipe'};
export const keyserverFlag: FlagSpec = {type: 'string', isMultiple: true, valueName: 'URL', description: 'Keyserver to fetch certificates from (hkps://, hkp://, https://; repeatable; default: keys.openpgp.org, then keyserver.ubuntu.com)'};
export const debugFlag: FlagSpec = {type: 'boolean', description: 'Write debug lines to standard error, including onion addresses and fingerprints (never message text)'};
export const presenceFlag: FlagSpec = {type: 'string', valueName: 'STATE', choices: ['online', 'away', 'busy', 'invisible'], description: 'Start in this state, for this run only (invisible: no contact is published for or dialed); default: the state last set, online the first time'};
