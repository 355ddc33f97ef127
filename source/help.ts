// --help text, generated from the command table and the exit-code table, so the flags meow
// parses and the flags --help shows cannot drift apart. man/umbra.1 is generated from the same
// tables (scripts/man.ts); test/cli/help.test.ts checks all three agree.
import {flagName, type Command, type FlagSpec} from './commands/command.js';
import {exitCodeMeanings, exitCodes, type ExitCodeName} from './exit-codes.js';

const indent = '    ';

function columns(rows: Array<[string, string]>): string {
	const width = Math.max(0, ...rows.map(([left]) => left.length)) + 2;
	return rows.map(([left, right]) => `${indent}${left.padEnd(width)}${right}`).join('\n');
}

export function flagLabel(key: string, spec: FlagSpec): string {
	const short = spec.shortFlag ? `-${spec.shortFlag}, ` : '';
	return `${short}${flagName(key)}${spec.valueName ? ` ${spec.valueName}` : ''}`;
}

function exitCodeRows(): Array<[string, string]> {
	return (Object.keys(exitCodes) as ExitCodeName[]).map(name => [String(exitCodes[name]), exitCodeMeanings[name]]);
}

export function generalHelp(commands: readonly Command[], defaultCommand: Command | undefined): string {
	const commandRows: Array<[string, string]> = commands.map(command => [command.name, command.summary]);
	const flags = defaultCommand ? Object.entries(defaultCommand.flags).map(([key, spec]): [string, string] => [flagLabel(key, spec), spec.description]) : [];
	return `
  Usage
    $ umbra [COMMAND] [FLAGS]

  A terminal messenger in which only your contacts can tell that you are online.
  ${defaultCommand ? `With no command, umbra runs \`umbra ${defaultCommand.name}\`.` : 'With no command, umbra shows this help.'}

  Commands
${columns(commandRows.length > 0 ? commandRows : [['(none yet)', '']])}

  Flags${defaultCommand ? ` (of umbra ${defaultCommand.name})` : ''}
${columns([...flags, ['--help', 'Show this help (umbra COMMAND --help: that command\'s flags)'], ['--version', 'Show the version']])}

  Exit codes
${columns(exitCodeRows())}
`;
}

export function commandHelp(command: Command): string {
	const flags = Object.entries(command.flags).map(([key, spec]): [string, string] => [flagLabel(key, spec), spec.description]);
	return `
  Usage
    $ ${command.usage}

${command.description.split('\n').map(line => `  ${line}`).join('\n')}

  Flags
${columns([...flags, ['--help', 'Show this help'], ['--version', 'Show the version']])}

  Exit codes
${columns(exitCodeRows())}
`;
}
