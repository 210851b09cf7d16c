/** What commands read from the user: all of stdin, or a password typed on the terminal without echo. */
import { CliError, InterruptedError } from './errors.js';

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** `ROUNDTABLE_PASSWORD` when set (scripts, CI); otherwise a prompt, which needs a terminal. */
export async function password(env: NodeJS.ProcessEnv, confirm: boolean): Promise<string> {
  if (env.ROUNDTABLE_PASSWORD !== undefined) return env.ROUNDTABLE_PASSWORD;
  if (!process.stdin.isTTY)
    throw new CliError('no password: set ROUNDTABLE_PASSWORD, or run on a terminal to be asked');
  const first = await promptHidden('Password: ');
  if (confirm && (await promptHidden('Repeat password: ')) !== first) throw new CliError('the passwords do not match');
  return first;
}

/**
 * Raw mode turns echo off, and with it the terminal's line editing and Ctrl-C: backspace and
 * Ctrl-C are handled here, and the terminal is always put back before this returns.
 */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (outcome: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(typed.join('')));
        if (char === '\u0003') return finish(() => reject(new InterruptedError()));
        if (char === '\u0004' && typed.length === 0) return finish(() => reject(new CliError('no password given')));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char >= ' ') typed.push(char);
      }
    };
    stdin.on('data', onData);
  });
}
