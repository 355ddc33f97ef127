// The screens layer's surface for source/cli.tsx and source/commands: the chat screen, the
// first-run and unlock screens, and the keymap (for the man page).
export {runChat, type RunChatOptions} from './run-chat.js';
export {keymap, type KeymapEntry} from './keymap.js';
export {runSetup, type SetupOptions} from './setup.js';
