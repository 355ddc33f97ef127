// Before the chat: the first run (create an identity: name, passphrase twice; or import a GnuPG
// secret key file) and later runs (unlock with the passphrase; a wrong one says so and asks
// again). Resolves with the open profile, or undefined when the user cancels.
import {readFile} from 'node:fs/promises';
import {resolve} from 'node:path';
import {Box, render, Text} from 'ink';
import {useEffect, useState} from 'react';
import {createProfile, hasIdentity, importProfile, openProfile, type KdfParameters, type Profile} from '../engine/index.js';
import {cleanLine} from './clean.js';
import {ColorContext, useColor} from './colors.js';
import {PromptField} from './prompt-field.js';

export type SetupOptions = {
	dataDir: string;
	stdin: NodeJS.ReadableStream;
	stdout: NodeJS.WritableStream;
	stderr: NodeJS.WritableStream;
	/** From --passphrase-file or UMBRA_PASSPHRASE: used instead of asking (no retry: it would fail again). */
	passphrase?: string | undefined;
	/** scrypt parameters for a new store; tests pass small ones. */
	kdf?: KdfParameters;
	cwd?: string;
	/** NO_COLOR is set. */
	noColor?: boolean;
};

type Step =
	| {kind: 'choose'}
	| {kind: 'name'}
	| {kind: 'passphrase'; userId: string}
	| {kind: 'repeat'; userId: string; passphrase: string}
	| {kind: 'file'}
	| {kind: 'key-passphrase'; file: string}
	| {kind: 'unlock'};

const minimumPassphraseLength = 8;

function describe(error: unknown): string {
	return cleanLine(error instanceof Error ? error.message : String(error));
}

function isWrongPassphrase(error: unknown): boolean {
	return error instanceof Error && error.name === 'WrongPassphraseError';
}

export type SetupProps = Omit<SetupOptions, 'stdin' | 'stdout' | 'stderr' | 'noColor'> & {
	width: number;
	/** The profile is open, or undefined: the user cancelled. */
	onDone: (profile: Profile | undefined) => void;
	/** A failure asking again cannot mend (the directory is locked, the given passphrase is wrong). */
	onError: (error: unknown) => void;
};

export function Setup({dataDir, passphrase: given, kdf, cwd = process.cwd(), width, onDone, onError: onFatal}: SetupProps) {
	const [step, setStep] = useState<Step>(() => (hasIdentity(dataDir) ? {kind: 'unlock'} : {kind: 'choose'}));
	const [message, setMessage] = useState<{kind: 'info' | 'error'; text: string} | undefined>();
	const [busy, setBusy] = useState(false);
	const color = useColor();
	const cancel = () => onDone(undefined);
	const options = {dataDir, ...(kdf ? {kdf} : {})};

	async function attempt(work: () => Promise<Profile>, onError: (error: unknown) => Step | undefined, working: string) {
		setBusy(true);
		setMessage({kind: 'info', text: working});
		try {
			onDone(await work());
		} catch (error) {
			setBusy(false);
			const next = onError(error);
			setMessage({kind: 'error', text: describe(error)});
			if (next) {
				setStep(next);
			} else {
				onFatal(error);
			}
		}
	}

	function create(userId: string, passphrase: string) {
		void attempt(async () => createProfile({...options, userId, passphrase}), () => ({kind: 'name'}), 'Making your key (Ed25519 and Curve25519) and an encrypted store…');
	}

	function submit(value: string) {
		setMessage(undefined);
		switch (step.kind) {
			case 'choose': {
				if (value.trim() === '1') {
					setStep({kind: 'name'});
				} else if (value.trim() === '2') {
					setStep({kind: 'file'});
				} else {
					setMessage({kind: 'error', text: 'Type 1 or 2, then Enter.'});
				}

				return;
			}

			case 'name': {
				const userId = value.trim();
				if (userId === '' || cleanLine(userId) !== userId) {
					setMessage({kind: 'error', text: 'Type a name (and, if you like, an email: Ann <ann@example.org>); control characters are not allowed.'});
				} else if (given === undefined) {
					setStep({kind: 'passphrase', userId});
				} else {
					create(userId, given);
				}

				return;
			}

			case 'passphrase': {
				if (value.length < minimumPassphraseLength) {
					setMessage({kind: 'error', text: `Use at least ${minimumPassphraseLength} characters; a few words are easy to remember and hard to guess.`});
				} else {
					setStep({kind: 'repeat', userId: step.userId, passphrase: value});
				}

				return;
			}

			case 'repeat': {
				if (value === step.passphrase) {
					create(step.userId, value);
				} else {
					setMessage({kind: 'error', text: 'The two passphrases differ. Choose one again.'});
					setStep({kind: 'passphrase', userId: step.userId});
				}

				return;
			}

			case 'file': {
				if (value.trim() === '') {
					setMessage({kind: 'error', text: 'Type the path of the file (gpg --export-secret-keys --armor KEYID > FILE).'});
				} else if (given === undefined) {
					setStep({kind: 'key-passphrase', file: value.trim()});
				} else {
					importFile(value.trim(), given);
				}

				return;
			}

			case 'key-passphrase': {
				importFile(step.file, value);
				return;
			}

			case 'unlock': {
				void attempt(async () => openProfile({...options, passphrase: value}), error => (isWrongPassphrase(error) ? {kind: 'unlock'} : undefined), 'Unlocking…');
			}
		}
	}

	function importFile(file: string, passphrase: string) {
		void attempt(
			async () => importProfile({...options, passphrase, secretKey: await readFile(resolve(cwd, file))}),
			error => (isWrongPassphrase(error) ? {kind: 'key-passphrase', file} : {kind: 'file'}),
			'Importing the key…',
		);
	}

	// A passphrase from a file or the environment: unlock at once, without asking.
	useEffect(() => {
		if (step.kind === 'unlock' && given !== undefined) {
			void attempt(async () => openProfile({...options, passphrase: given}), () => undefined, 'Unlocking…');
		}
		// Once, on the first screen only.
	}, []);

	const prompts: Record<Step['kind'], {title: string; label: string; masked?: boolean}> = {
		choose: {title: `Welcome to umbra. There is no identity in ${dataDir} yet.`, label: '1: create a new identity   2: import a GnuPG secret key file   (Esc quits)'},
		name: {title: 'Create an identity', label: 'Your name as contacts will see it in your key (Ann, or Ann <ann@example.org>):'},
		passphrase: {title: 'Create an identity', label: 'A passphrase to protect your key and your messages on this machine:', masked: true},
		repeat: {title: 'Create an identity', label: 'The same passphrase again:', masked: true},
		file: {title: 'Import a GnuPG key', label: 'Path of the secret key file (gpg --export-secret-keys --armor KEYID > FILE):'},
		'key-passphrase': {title: 'Import a GnuPG key', label: "The key's passphrase (it will protect umbra's store too):", masked: true},
		unlock: {title: `umbra: ${dataDir}`, label: 'Passphrase:', masked: true},
	};
	const prompt = prompts[step.kind];
	return (
		<Box flexDirection="column" width={width}>
			<Text bold>{prompt.title}</Text>
			<Text> </Text>
			<PromptField key={step.kind} label={prompt.label} masked={prompt.masked ?? false} width={width} onSubmit={submit} onCancel={cancel} busy={busy} />
			<Text color={color(message?.kind === 'error' ? 'red' : undefined)}>{message?.text ?? ' '}</Text>
		</Box>
	);
}

/**
 * Shows the setup screen until the profile is open (undefined: the user gave up); rejects with
 * what asking again cannot mend (a locked directory, a wrong passphrase from a file).
 */
export async function runSetup(options: SetupOptions): Promise<Profile | undefined> {
	const stdout = options.stdout as NodeJS.WriteStream;
	let done: (profile: Profile | undefined) => void = () => undefined;
	let fail: (error: unknown) => void = () => undefined;
	const result = new Promise<Profile | undefined>((resolveResult, reject) => {
		done = resolveResult;
		fail = reject;
	});
	const {stdin: _stdin, stdout: _stdout, stderr: _stderr, noColor, ...props} = options;
	const instance = render(<ColorContext.Provider value={!noColor}><Setup {...props} width={Math.max(40, (stdout.columns ?? 80) - 1)} onDone={profile => done(profile)} onError={error => fail(error)} /></ColorContext.Provider>, {
		stdin: options.stdin as NodeJS.ReadStream,
		stdout,
		stderr: options.stderr as NodeJS.WriteStream,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	try {
		return await result;
	} finally {
		instance.unmount();
		instance.cleanup();
	}
}
