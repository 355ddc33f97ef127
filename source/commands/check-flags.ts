// Flags meow parsed but the command does not know, and values outside a flag's choices, as one
// usage error each. meow's own checks print a bare "Unknown flag" and exit by themselves (1 for
// a bad choice), so cli.tsx lets unknown flags through and asks here instead.
import {flagName, UsageError, type FlagSpecs, type FlagValue} from './command.js';

/** meow's own flags, always known. */
const builtIn = new Set(['help', 'version']);

/**
 * Throws a UsageError naming every unknown flag, or the first value that is not one of its
 * flag's choices. `invocation` is how the command was typed: "umbra" or "umbra import".
 */
export function checkFlags(specs: FlagSpecs, flags: Record<string, FlagValue>, invocation: string): void {
	const known = new Set([...builtIn, ...Object.keys(specs), ...Object.values(specs).flatMap(spec => spec.shortFlag ?? [])]);
	const unknown = Object.keys(flags).filter(key => !known.has(key)).map(key => (key.length === 1 ? `-${key}` : flagName(key)));
	if (unknown.length > 0) {
		throw new UsageError(`unknown flag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} for ${invocation}; see ${invocation} --help`);
	}

	for (const [key, {choices}] of Object.entries(specs)) {
		const value = flags[key];
		const values = Array.isArray(value) ? value.map(String) : (value === undefined ? [] : [String(value)]);
		const wrong = choices === undefined ? undefined : values.find(given => !choices.includes(given));
		if (wrong !== undefined) {
			throw new UsageError(`${flagName(key)} is one of ${choices!.join(', ')}, not "${wrong}"; see ${invocation} --help`);
		}
	}
}
