// The keys layer: OpenPGP identities, contacts' certificates, sealed messages, pair secrets.
export * from './errors.js';
export {formatFingerprint, parseKeyQuery, type KeyQuery} from './fingerprint.js';
export {looksLikeKeyId, readKeyFile, KeyFileError} from './key-file.js';
export {readCertificates, readPublicKeys, certificateMatching, selectEncryptionSubkey, type Certificate, type EncryptionSubkey, type ReadCertificatesResult} from './certificate.js';
export {checkUserId, generateIdentity, unlockIdentity, importSecretKey, exportPublicKey, readPublicIdentity, lockIdentity, readKeyProtection, defaultKeyProtection, type Identity, type PublicIdentity, type KeyProtection} from './identity.js';
export {seal, open, type OpenResult} from './seal.js';
export {pairSecret} from './pair-secret.js';
export {stripControl, stripControlKeepNewlines} from './sanitize.js';
export {certificateStatus, mergeCertificate, describeChange, CertificateMismatchError, type CertificateStatus, type CertificateChange, type KeyState, type MergeResult} from './certificate-update.js';
