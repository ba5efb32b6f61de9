export { openDatabase, type Database, type DatabaseOptions, type Prisma } from './connect.js';
export { migrate, defaultMigrationsDir } from './migrate.js';
export { appendAudit, verifyAudit, archiveAudit, verifyArchiveFile, type ArchiveResult, auditHash, canonicalJson, redact, GENESIS_HASH, type AuditEntry, type AuditVerification } from './audit.js';
export { encryptSecret, decryptSecret } from './secrets.js';
export { hashPassword, verifyPassword, newToken, hashToken } from './credentials.js';
export { DbError, type DbErrorCode } from './errors.js';
export { Prisma as PrismaNamespace } from './generated/client.js';
export type { User, Host, Image, Container, Job, Build, BuildStep, BuildLog, AuditLog, ApiToken, Registry, Role, JobStatus } from './generated/client.js';
