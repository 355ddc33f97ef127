// Maps an error that reached the top to its exit code by the error's class. The first class the
// error is an instance of wins, so a subclass is listed before its base class; anything else is
// a plain failure. test/cli/exit-code-for.test.ts holds every exported error class to this table.
import {
	CertificateMismatchError,
	DuplicateContactError,
	DuplicateNameError,
	IdentityExistsError,
	InvalidContactNameError,
	InvalidUserIdError,
	KeyFileError,
	LockedError,
	NoIdentityError,
	NotAContactKeyError,
	OwnKeyError,
	StoreExistsError,
	StoreMissingError,
	TorUnreachableError,
	UnknownContactError,
	WrongPassphraseError as StoreWrongPassphraseError,
} from '../engine/index.js';
import {exitCodes, type ExitCode} from '../exit-codes.js';
import {
	AmbiguousKeyIdError,
	CertificateNotFoundError,
	CertificateRejectedError,
	InputTooLargeError,
	InvalidKeyQueryError,
	MalformedCertificateError,
	SecretKeyImportError,
	ShortKeyIdError,
	WrongPassphraseError as KeysWrongPassphraseError,
} from '../keys/index.js';
import {InvalidKeyserverError, KeyserverLookupError} from '../keys/keyserver.js';
import {CookieFileRefusedError} from '../net/cookie-file.js';
import {MissingSystemToolError} from '../net/system-tools.js';
import {UsageError} from './command.js';
import {PassphraseError, PromptCancelledError} from './passphrase.js';

type ErrorClass = abstract new (...arguments_: never[]) => Error;

const byClass: ReadonlyArray<readonly [ErrorClass, ExitCode]> = [
	[UsageError, exitCodes.usage],
	[InvalidKeyQueryError, exitCodes.usage],
	[InvalidKeyserverError, exitCodes.usage],
	[InvalidContactNameError, exitCodes.usage],
	[DuplicateNameError, exitCodes.usage],
	[DuplicateContactError, exitCodes.usage],
	[OwnKeyError, exitCodes.refused],
	[KeyFileError, exitCodes.usage],
	[InvalidUserIdError, exitCodes.usage],
	// Cancelling the prompt is no wrong passphrase: a plain failure, before its base class.
	[PromptCancelledError, exitCodes.failure],
	[PassphraseError, exitCodes.wrongPassphrase],
	[StoreWrongPassphraseError, exitCodes.wrongPassphrase],
	[KeysWrongPassphraseError, exitCodes.wrongPassphrase],
	[NoIdentityError, exitCodes.noIdentity],
	[IdentityExistsError, exitCodes.noIdentity],
	[StoreExistsError, exitCodes.noIdentity],
	[StoreMissingError, exitCodes.noIdentity],
	[LockedError, exitCodes.locked],
	[TorUnreachableError, exitCodes.torUnreachable],
	[MissingSystemToolError, exitCodes.torUnreachable],
	[CookieFileRefusedError, exitCodes.torUnreachable],
	[CertificateNotFoundError, exitCodes.notFound],
	[KeyserverLookupError, exitCodes.notFound],
	[UnknownContactError, exitCodes.notFound],
	[NotAContactKeyError, exitCodes.notFound],
	[CertificateMismatchError, exitCodes.refused],
	[CertificateRejectedError, exitCodes.refused],
	[MalformedCertificateError, exitCodes.refused],
	[InputTooLargeError, exitCodes.refused],
	[AmbiguousKeyIdError, exitCodes.refused],
	[ShortKeyIdError, exitCodes.refused],
	[SecretKeyImportError, exitCodes.refused],
];

export function exitCodeFor(error: unknown): ExitCode {
	return byClass.find(([errorClass]) => error instanceof errorClass)?.[1] ?? exitCodes.failure;
}
