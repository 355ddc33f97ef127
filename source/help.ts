// The --help text and meow's flag table live together so they cannot drift apart;
// test/cli/help.test.ts checks every flag appears in --help and in man/umbra.1.
export const helpText = `
  Usage
    $ umbra [command] [flags]

  A terminal messenger in which only your contacts can tell that you are online.

  Commands
    (none yet)           Show this help

  Flags
    --help               Show this help
    --version            Show the version
`;

export const flags = {} as const;
