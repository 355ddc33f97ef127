// Maps an error that reached the top to its exit code, by the error's name (the keys, engine and
// net layers each define their own classes; names are their stable contract).
import {exitCodes, type ExitCode} from '../exit-codes.js';

const byName: Record<string, ExitCode> = {
	UsageError: exitCodes.usage,
	WrongPassphraseError: exitCodes.wrongPassphrase,
	PassphraseError: exitCodes.wrongPassphrase,
	PromptCancelledError: exitCodes.failure,
	NoIdentityError: exitCodes.noIdentity,
	IdentityExistsError: exitCodes.noIdentity,
	StoreExistsError: exitCodes.noIdentity,
	StoreMissingError: exitCodes.noIdentity,
	LockedError: exitCodes.locked,
	TorUnreachableError: exitCodes.torUnreachable,
	MissingSystemToolError: exitCodes.torUnreachable,
	CertificateNotFoundError: exitCodes.notFound,
	KeyserverLookupError: exitCodes.notFound,
	UnknownContactError: exitCodes.notFound,
	CertificateRejectedError: exitCodes.refused,
	MalformedCertificateError: exitCodes.refused,
	InputTooLargeError: exitCodes.refused,
	AmbiguousKeyIdError: exitCodes.refused,
	ShortKeyIdError: exitCodes.refused,
	SecretKeyImportError: exitCodes.refused,
	InvalidKeyQueryError: exitCodes.usage,
	InvalidKeyserverError: exitCodes.usage,
	InvalidContactNameError: exitCodes.usage,
	DuplicateNameError: exitCodes.usage,
	DuplicateContactError: exitCodes.usage,
};

export function exitCodeFor(error: unknown): ExitCode {
	return error instanceof Error ? (byName[error.name] ?? exitCodes.failure) : exitCodes.failure;
}
