/**
 * The hosts package's one error class. Callers (the hub's API and form) branch on `code`,
 * never on the message; the message is one line meant for the user and never carries a
 * secret (no key, password, passphrase or enrollment token).
 */
export type HostErrorCode =
  | 'invalid-argument' // options that cannot work: no credentials, a bad prefix or unit name, a missing bundle
  | 'invalid-key' // a private key that does not parse, or a wrong passphrase
  | 'auth-failed' // the server refused the key or the password
  | 'unreachable' // no TCP connection, or no SSH handshake before the timeout
  | 'host-key-changed' // the server's key is not the pinned one
  | 'unsupported-os' // not Linux, or a distribution we cannot install packages on
  | 'unsupported-arch' // a CPU architecture the engine does not run on
  | 'no-sudo' // neither root nor passwordless sudo
  | 'node-missing' // no usable Node.js and no way to install one
  | 'already-installed' // an agent is already installed at the prefix (remove the host first)
  | 'install-failed' // apt-get, a file copy or the service manager failed
  | 'bundle-invalid' // the uploaded bundle does not run on the host
  | 'agent-offline' // the agent started but did not come online
  | 'not-installed' // a management call for a host without an agent
  | 'secret-invalid' // a sealed secret that fails authentication or does not parse
  | 'secret-key-invalid' // a sealing key that is too short, unreadable or readable by others
  | 'command-failed'; // any other remote command that failed

/**
 * The HTTP status an API answers with for each code — the one mapping, for the hub's API to
 * use (4xx: the request or the host must change; 5xx: the host failed us).
 */
export const HOST_ERROR_STATUS: Readonly<Record<HostErrorCode, number>> = {
  'invalid-argument': 400,
  'invalid-key': 400,
  'auth-failed': 401,
  unreachable: 504,
  'host-key-changed': 409,
  'unsupported-os': 422,
  'unsupported-arch': 422,
  'no-sudo': 403,
  'node-missing': 422,
  'already-installed': 409,
  'install-failed': 502,
  'bundle-invalid': 502,
  'agent-offline': 504,
  'not-installed': 404,
  'secret-invalid': 500,
  'secret-key-invalid': 500,
  'command-failed': 502,
};

export class HostError extends Error {
  override readonly name = 'HostError';
  constructor(
    readonly code: HostErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return HOST_ERROR_STATUS[this.code];
  }
}

export function isHostError(err: unknown, code?: HostErrorCode): err is HostError {
  return err instanceof HostError && (code === undefined || err.code === code);
}
