import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { RuntimeFlavor } from './crun.js';

/**
 * How a `-t` container gets its terminal when the supervisor is Node, which
 * cannot receive the pty master over a console socket (SCM_RIGHTS).
 *
 * What the runtimes do with `terminal: true` in a foreground `run` without
 * `--console-socket`: they allocate the container's pty themselves and
 * relay it to their own stdin/stdout, but only when their stdin is a
 * terminal (runc opens /dev/tty, crun calls tcgetattr on stdin; both fail on
 * pipes). Detached (`--detach`) they require a console socket.
 *
 * - runc: we give it a terminal with util-linux `script`, which opens a pty
 *   for the runtime and relays it to our pipes (with a real terminal on our
 *   stdin, it also sets raw mode and passes the size and SIGWINCH down; runc
 *   resizes the container's pty on SIGWINCH). runc drains the container's
 *   output before it exits. Costs: a second pty and one process in the path.
 *   That pty never echoes (`-E never`): runc makes it raw only once the
 *   container exists, and what arrived before would be echoed twice, by it
 *   and by the container's terminal.
 * - crun: its foreground relay returns as soon as the container's process is
 *   reaped, without draining the pty, so the last output of a short-lived
 *   process is lost now and then (measured: ~6% of `sh -c 'echo …'` runs lose
 *   everything), and it ignores SIGWINCH. So for crun a small Python helper
 *   (the only way here to receive an fd over a unix socket; Python 3.9+'s
 *   socket.recv_fds) listens on a console socket, runs `crun run
 *   --console-socket` (which still waits and exits with the container's
 *   status), receives the pty master and relays it, draining it after the
 *   exit; it handles raw mode and SIGWINCH itself. Without python3 crun falls
 *   back to `script` with the loss described.
 *
 * In both cases output arrives with CRLF, as from any tty; Docker logs it so.
 * With a terminal on our stdin, the supervisor makes it raw before starting
 * the relay (`rawTerminal`), as the Docker CLI does. Without -i the relay's
 * stdin is a pipe nobody writes, never /dev/null: `script` would send an
 * end-of-file that reaches the process as a NUL byte (`^@` in the output).
 * When stdin is not a terminal the container's size is the spec's
 * `consoleSize` (buildSpec sets one; `script`'s own pty gets it via `stty`).
 */
export interface TtyWrapOptions {
  flavor: RuntimeFlavor;
  /** The runtime binary and its `run`/`exec` arguments, without `--console-socket`. */
  binary: string;
  args: string[];
  /** Whether our stdin (what the relay reads) is a terminal. */
  stdinIsTty: boolean;
  size: { height: number; width: number };
  scriptBinary?: string;
  pythonBinary?: string;
}

/** The command to spawn (with cwd = the container directory) instead of the runtime itself. */
export function ttyCommand(o: TtyWrapOptions): [string, string[]] {
  const python = o.pythonBinary ?? '/usr/bin/python3';
  if (o.flavor === 'crun' && existsSync(python)) {
    // The socket path is relative to the cwd (the container directory): sun_path is only 108 bytes.
    const verb = o.args.findIndex((a) => a === 'run' || a === 'exec');
    const args = [...o.args];
    if (verb >= 0) args.splice(verb + 1, 0, '--console-socket', CONSOLE_SOCKET);
    return [python, ['-I', '-c', CONSOLE_RELAY, CONSOLE_SOCKET, o.binary, ...args]];
  }
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const sizeCmd = o.stdinIsTty ? '' : `stty rows ${o.size.height} cols ${o.size.width} 2>/dev/null; `;
  return [o.scriptBinary ?? '/usr/bin/script', ['-q', '-e', '-f', '-E', 'never', '-c', `${sizeCmd}exec ${[o.binary, ...o.args].map(q).join(' ')}`, '/dev/null']];
}

export const CONSOLE_SOCKET = 'console.sock';

/**
 * Puts the terminal on `fd` in raw mode (no echo, no line editing) before the
 * relay starts, as the Docker CLI does before it attaches, and returns what
 * restores it (a no-op when `fd` is no terminal). Why before: `script`
 * gives the runtime a pty made with our terminal's settings at that moment,
 * and a cooked one would echo what arrives before the runtime sets it raw
 * (a second `^@` for the NUL a pending end-of-file turns into when a
 * terminal goes raw); and input typed ahead is kept, not flushed, as the
 * relays used to do when they set raw mode themselves.
 */
export function rawTerminal(fd: number): () => void {
  if (!isatty(fd)) return () => undefined;
  const stty = (args: string[]) => spawnSync('stty', args, { stdio: [fd, 'pipe', 'ignore'], encoding: 'utf8' });
  const saved = stty(['-g']);
  if (saved.status !== 0 || !saved.stdout.trim()) return () => undefined;
  stty(['raw', '-echo']);
  let restored = false;
  return () => {
    if (!restored) stty([saved.stdout.trim()]);
    restored = true;
  };
}

/**
 * The console-socket relay (Python 3.9+). argv: socket path, then the
 * runtime command. Exits with the runtime's status (128+n for a signal),
 * 125 if the runtime could not be started.
 */
export const CONSOLE_RELAY = String.raw`
import errno, fcntl, os, select, signal, socket, struct, sys, termios, tty
sock_path, cmd = sys.argv[1], sys.argv[2:]
try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(1)
try:
    pid = os.fork()
except OSError as e:
    print("console relay: " + str(e), file=sys.stderr); sys.exit(125)
if pid == 0:
    srv.close()
    try:
        os.execv(cmd[0], cmd)
    except OSError as e:
        print("console relay: cannot run %s: %s" % (cmd[0], e), file=sys.stderr)
    os._exit(125)
status = None
def forward(sig, _frame):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(s, forward)
def reap(block):
    global status
    if status is None:
        p, st = os.waitpid(pid, 0 if block else os.WNOHANG)
        if p == pid:
            status = st
    return status is not None
def code():
    c = os.waitstatus_to_exitcode(status)
    return 128 - c if c < 0 else c
master = None
while master is None and not reap(False):
    r, _, _ = select.select([srv], [], [], 0.05)
    if r:
        conn, _ = srv.accept()
        _msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
        conn.close()
        if fds:
            master = fds[0]
srv.close()
os.unlink(sock_path)
if master is None:
    sys.exit(code())
saved = None
stdin_open = True
if os.isatty(0):
    saved = termios.tcgetattr(0)
    tty.setraw(0, termios.TCSANOW)  # TCSAFLUSH (the default) would drop input typed ahead
    def resize(_sig=None, _frame=None):
        try:
            fcntl.ioctl(master, termios.TIOCSWINSZ, fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))
        except OSError:
            pass
    resize()
    signal.signal(signal.SIGWINCH, resize)
def out(data):
    while data:
        try:
            n = os.write(1, data)
        except BrokenPipeError:
            return
        data = data[n:]
try:
    while not reap(False):
        fds = [master] + ([0] if stdin_open else [])
        try:
            r, _, _ = select.select(fds, [], [], 0.1)
        except InterruptedError:
            continue
        if master in r:
            try:
                data = os.read(master, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if not data:
                break
            out(data)
        if 0 in r:
            data = os.read(0, 65536)
            if data:
                os.write(master, data)
            else:
                stdin_open = False
    # The process is gone: drain what it wrote before exiting.
    fcntl.fcntl(master, fcntl.F_SETFL, fcntl.fcntl(master, fcntl.F_GETFL) | os.O_NONBLOCK)
    while True:
        r, _, _ = select.select([master], [], [], 0.2)
        if not r:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        out(data)
    reap(True)
finally:
    if saved is not None:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
sys.exit(code())
`;
