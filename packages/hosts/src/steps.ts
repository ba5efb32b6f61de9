/**
 * Progress of a host operation, reported step by step so the hub can stream it to the
 * browser and audit it. A detail is one line for people and never holds a secret.
 */
export type StepName =
  | 'connect' // SSH handshake and host key check
  | 'platform' // Linux, architecture, distribution
  | 'privileges' // root or passwordless sudo; no earlier installation
  | 'node' // Node.js present (installed from Debian when missing) and new enough
  | 'packages' // the engine's Debian packages
  | 'upload' // the bundle copied over SFTP and verified by its sha256
  | 'verify' // the bundle runs on the host (`--version`)
  | 'service' // the agent started (systemd unit, or detached)
  | 'online' // the agent reached the hub
  | 'stop' // the agent stopped
  | 'uninstall' // unit and files removed
  | 'rollback'; // a failed enrollment undone

export type StepStatus = 'running' | 'done' | 'failed' | 'skipped';

export interface StepEvent {
  step: StepName;
  status: StepStatus;
  detail?: string;
}

export type OnStep = (event: StepEvent) => void;

/** Runs one step: `running`, then `done` with the detail it returns, or `failed` with the error's message. */
export async function step<T>(onStep: OnStep, name: StepName, work: () => Promise<{ value: T; detail: string }>): Promise<T> {
  onStep({ step: name, status: 'running' });
  try {
    const { value, detail } = await work();
    onStep({ step: name, status: 'done', detail });
    return value;
  } catch (err) {
    onStep({ step: name, status: 'failed', detail: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
