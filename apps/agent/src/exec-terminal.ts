import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * A pty relay in Python (the engine's crun console relay needs python3 too):
 * opens a pty of the given size, runs the command on it as a session
 * leader, relays our stdin → pty and pty → our stdout, reads `COLS ROWS`
 * lines on fd 3 to resize it (the kernel sends SIGWINCH), and exits with
 * the command's status once the pty is drained. Node cannot open a pty
 * without a native module.
 */
const RELAY = String.raw`
import fcntl, os, select, struct, sys, termios
def size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
master, slave = os.openpty()
size(slave, int(sys.argv[1]), int(sys.argv[2]))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.closerange(3, 256)
    os.execvp(sys.argv[3], sys.argv[3:])
os.close(slave)
inputs, ctl = [0, 3, master], b''
while master in inputs:
    for fd in select.select(inputs, [], [])[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if fd == master:
            if not data:
                inputs.remove(master)
            else:
                os.write(1, data)
        elif not data:
            inputs.remove(fd)
        elif fd == 0:
            os.write(master, data)
        else:
            ctl += data
            while b'\n' in ctl:
                line, ctl = ctl.split(b'\n', 1)
                cols, rows = line.split()
                size(master, int(cols), int(rows))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;

export interface Terminal {
  write(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** Ends the session: the relay exits and closes the pty, which hangs up the command. */
  kill(): void;
  /** Resolves with the command's exit code. */
  readonly exited: Promise<number>;
}

/** Runs `command args` on a new pty; its output goes to `onOutput` as it comes. */
export function openTerminal(
  command: string,
  args: string[],
  size: { cols: number; rows: number },
  env: NodeJS.ProcessEnv,
  onOutput: (data: Buffer) => void,
): Terminal {
  const child: ChildProcess = spawn(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-I', '-c', RELAY, String(size.cols), String(size.rows), command, ...args], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env });
  child.stdout!.on('data', onOutput);
  child.stderr!.on('data', onOutput);
  const control = child.stdio[3] as Writable;
  // The relay may be gone before a late keystroke: ignore writes that race its exit.
  child.stdin!.on('error', () => {});
  control.on('error', () => {});
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + 9 : 1)));
  });
  return {
    write: (data) => void child.stdin!.write(data),
    resize: (cols, rows) => void control.write(`${cols} ${rows}\n`),
    kill: () => void child.kill('SIGTERM'),
    exited,
  };
}
