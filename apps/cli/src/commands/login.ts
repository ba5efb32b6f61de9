import type { Command } from 'commander';
import { registryOptions } from '../registry-options.js';
import { CliExit, err, out } from '../runtime.js';
import { createInterface } from 'node:readline';

/** `drydock login [-u USER] [-p PASS | --password-stdin] [SERVER]`, as `docker login`. */
export function defineLogin(cmd: Command): Command {
  return cmd
    .description('Log in to a registry (Docker Hub when no server is given)')
    .argument('[server]', 'SERVER')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .action(async (server: string | undefined, opts: { username?: string; password?: string; passwordStdin?: boolean }) => {
      const { distribution } = await import('@drydock/engine');
      const reg = await registryOptions();
      const key = distribution.loginServerKey(server);
      if (opts.password !== undefined) {
        err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.');
        if (opts.passwordStdin) throw new CliExit('Error: --password and --password-stdin are mutually exclusive', 1);
      }
      let password = opts.password;
      if (opts.passwordStdin) {
        if (!opts.username) throw new CliExit('Error: Must provide --username with --password-stdin', 1);
        password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
      }
      let username = opts.username;
      if (username === undefined && password === undefined) {
        const stored = await reg.store.get(key);
        if (stored) {
          out('Authenticating with existing credentials...');
          await distribution.verifyLogin(key, stored, reg.options);
          out('Login Succeeded');
          return;
        }
      }
      if (username === undefined || password === undefined) {
        if (!process.stdin.isTTY) throw new CliExit('Error: Cannot perform an interactive login from a non TTY device', 1);
        const questions = [...(username === undefined ? [{ text: 'Username: ', secret: false }] : []), { text: 'Password: ', secret: true }];
        const answers = await promptAll(questions);
        if (username === undefined) username = answers.shift()!.trim();
        password = answers.shift()!;
      }
      if (!username) throw new CliExit('Error: Username is required', 1);
      if (!password) throw new CliExit('Error: Password is required', 1);
      await distribution.verifyLogin(key, { username, password }, reg.options);
      const where = await reg.store.store(key, { username, password });
      if (where.kind === 'file') {
        err(`WARNING! Your password will be stored unencrypted in ${where.path}.`);
        err('Configure a credential helper to remove this warning. See');
        err('https://docs.docker.com/engine/reference/commandline/login/#credentials-store');
        err('');
      }
      out('Login Succeeded');
    });
}

/** `drydock logout [SERVER]`. */
export function defineLogout(cmd: Command): Command {
  return cmd
    .description('Log out from a registry (Docker Hub when no server is given)')
    .argument('[server]', 'SERVER')
    .action(async (server: string | undefined) => {
      const { distribution } = await import('@drydock/engine');
      const reg = await registryOptions();
      const key = distribution.loginServerKey(server);
      // Docker 20.10 says so whether or not credentials were stored.
      out(`Removing login credentials for ${key}`);
      await reg.store.erase(key);
    });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/**
 * Asks on the terminal, one readline for both questions (so type-ahead is not
 * lost); answers to `secret` questions are not echoed.
 */
async function promptAll(questions: { text: string; secret: boolean }[]): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const internals = rl as unknown as { _writeToOutput: (s: string) => void };
  const write = internals._writeToOutput.bind(rl);
  let muted = false;
  internals._writeToOutput = (s: string) => {
    if (!muted || /^(\r?\n)+$/.test(s)) write(s);
  };
  const typed: string[] = [];
  let waiting: ((line: string) => void) | undefined;
  rl.on('line', (line) => {
    const w = waiting;
    waiting = undefined;
    if (w) w(line);
    else typed.push(line);
  });
  try {
    const answers: string[] = [];
    for (const q of questions) {
      rl.setPrompt(q.text);
      rl.prompt();
      muted = q.secret;
      answers.push(typed.shift() ?? (await new Promise<string>((resolve) => (waiting = resolve))));
      muted = false;
      if (q.secret) write('\n');
    }
    return answers;
  } finally {
    rl.close();
  }
}
