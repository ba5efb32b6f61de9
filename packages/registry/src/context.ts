/**
 * Types shared by the server and its handlers: options, events, the logger, and the
 * per-request context a handler receives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authorizer, Scope } from './auth.js';
import type { BlobStore } from './storage/blobs.js';
import type { RepositoryStore } from './storage/repositories.js';
import type { UploadStore } from './storage/uploads.js';

/** An audit event, emitted after the operation has succeeded. */
export interface RegistryEvent {
  type: 'registry:push' | 'registry:pull' | 'registry:delete';
  repository: string;
  /** The tag or digest the client named. */
  reference: string;
  /** The manifest's (or, for a blob delete, the blob's) digest. */
  digest: string;
  /** The authenticated user, when there is one. */
  user?: string;
  /** What the event is about; pushes and pulls are of manifests. */
  target: 'manifest' | 'blob';
  mediaType?: string;
}

/** Structured logging; `console` fits. Every method is optional to call and must not throw. */
export interface RegistryLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface RegistryOptions {
  /** The storage root (created if missing). Blobs, repositories and uploads live under it. */
  root: string;
  /** An htpasswd file with bcrypt entries: when set, every request needs Basic credentials. */
  htpasswd?: string;
  /** The realm of the Basic challenge (default `drydock-registry`). */
  realm?: string;
  /** Decides each request's access; takes precedence over `htpasswd` (the hub's bearer tokens). */
  authorize?: Authorizer;
  /** Whether manifest, tag and blob DELETE are allowed (default true); else 405 UNSUPPORTED. */
  deletes?: boolean;
  logger?: RegistryLogger;
  /** Called after each push, pull (manifest GET) and delete; errors it throws are logged. */
  onEvent?: (event: RegistryEvent) => void;
}

/** The long-lived state behind one server. */
export interface Registry {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly repos: RepositoryStore;
  readonly uploads: UploadStore;
  readonly deletes: boolean;
  readonly logger: RegistryLogger;
  emit(event: Omit<RegistryEvent, 'user'>, user: string | undefined): void;
}

/** One request as a handler sees it: already routed, its name validated and authorized. */
export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** The repository name (validated), or '' for registry-level endpoints. */
  readonly name: string;
  readonly user: string | undefined;
  readonly registry: Registry;
  /** Asks the authorizer about a further scope (e.g. `pull` on a mount's source repository). */
  can(scope: Scope): Promise<boolean>;
}

export const noopLogger: RegistryLogger = { info() {}, warn() {}, error() {} };
