/**
 * The registry's one error class and the single table that maps it onto the wire.
 *
 * Handlers throw `RegistryError` with a `code` from the closed union below; the server turns
 * it into the distribution-spec error body `{"errors":[{"code","message","detail"}]}` with the
 * HTTP status from `ERROR_TABLE`. Callers branch on `code`, never on the message.
 */
export type RegistryErrorCode =
  | 'blob-unknown' // no such blob in this repository
  | 'blob-upload-invalid' // the upload (or a chunk of it) is malformed
  | 'blob-upload-unknown' // no such upload session
  | 'range-invalid' // a chunk that does not start where the upload ends (416)
  | 'range-not-satisfiable' // a blob GET Range outside the blob (416)
  | 'digest-invalid' // a digest that does not parse, or content that does not match it
  | 'manifest-blob-unknown' // a manifest refers to a blob or manifest the repository lacks
  | 'manifest-invalid' // a manifest that does not parse or validate
  | 'manifest-too-large' // a manifest over the size limit (413)
  | 'manifest-unknown' // no such manifest (tag or digest) in this repository
  | 'name-invalid' // a repository name that breaks the spec's grammar
  | 'name-unknown' // a repository the registry does not know
  | 'size-invalid' // a Content-Length that disagrees with the content
  | 'tag-invalid' // a tag that breaks the spec's grammar
  | 'unauthorized' // credentials missing or wrong (401, with a challenge)
  | 'denied' // authenticated, but not allowed (403)
  | 'unsupported' // a feature this registry does not offer (e.g. deletes disabled)
  | 'method-not-allowed' // a known route with a method it does not take (405)
  | 'route-unknown' // a path that is no endpoint of the API (404)
  | 'internal'; // anything else: a bug or the filesystem failed

/** The spec's JSON error codes (distribution-spec "Error Codes"). */
export type SpecErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'TAG_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'UNKNOWN'; // not in the spec's table: distribution's code for a server-side failure (500)

/** The one place where internal codes meet spec codes and HTTP statuses. */
export const ERROR_TABLE: Readonly<Record<RegistryErrorCode, { spec: SpecErrorCode; status: number }>> = {
  'blob-unknown': { spec: 'BLOB_UNKNOWN', status: 404 },
  'blob-upload-invalid': { spec: 'BLOB_UPLOAD_INVALID', status: 400 },
  'blob-upload-unknown': { spec: 'BLOB_UPLOAD_UNKNOWN', status: 404 },
  'range-invalid': { spec: 'BLOB_UPLOAD_INVALID', status: 416 },
  'range-not-satisfiable': { spec: 'BLOB_UNKNOWN', status: 416 },
  'digest-invalid': { spec: 'DIGEST_INVALID', status: 400 },
  'manifest-blob-unknown': { spec: 'MANIFEST_BLOB_UNKNOWN', status: 400 },
  'manifest-invalid': { spec: 'MANIFEST_INVALID', status: 400 },
  'manifest-too-large': { spec: 'MANIFEST_INVALID', status: 413 },
  'manifest-unknown': { spec: 'MANIFEST_UNKNOWN', status: 404 },
  'name-invalid': { spec: 'NAME_INVALID', status: 400 },
  'name-unknown': { spec: 'NAME_UNKNOWN', status: 404 },
  'size-invalid': { spec: 'SIZE_INVALID', status: 400 },
  'tag-invalid': { spec: 'TAG_INVALID', status: 400 },
  unauthorized: { spec: 'UNAUTHORIZED', status: 401 },
  denied: { spec: 'DENIED', status: 403 },
  unsupported: { spec: 'UNSUPPORTED', status: 405 },
  'method-not-allowed': { spec: 'UNSUPPORTED', status: 405 },
  'route-unknown': { spec: 'UNSUPPORTED', status: 404 },
  internal: { spec: 'UNKNOWN', status: 500 },
};

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  /** Extra response headers (a 401's challenge, a 416's upload `Range` and `Location`). */
  headers: Record<string, string | number> = {};
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    /** Free-form detail for the `detail` field of the wire error (must be JSON-serialisable). */
    readonly detail?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }

  get specCode(): SpecErrorCode {
    return ERROR_TABLE[this.code].spec;
  }

  /** The spec's error body for this error. */
  toJSON(): { errors: { code: SpecErrorCode; message: string; detail?: unknown }[] } {
    const entry: { code: SpecErrorCode; message: string; detail?: unknown } = { code: this.specCode, message: this.message };
    if (this.detail !== undefined) entry.detail = this.detail;
    return { errors: [entry] };
  }
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a RegistryError (`internal` unless it already is one). */
export function toRegistryError(err: unknown): RegistryError {
  if (err instanceof RegistryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RegistryError('internal', `internal error: ${message}`, undefined, { cause: err });
}
