/** `roundtable register` and `roundtable login`: a handle and password in, a session token out, as a shell export line. */
import type { AuthResult } from '@roundtable/client';
import { handleArg, stringOption, type Command } from '../command.js';
import type { Context } from '../context.js';
import { password } from '../input.js';
import { notice, print, printJson } from '../output.js';
import { progress } from '../progress.js';

const PASSWORD_NOTE =
  'The password is read from $ROUNDTABLE_PASSWORD when set, otherwise asked for on the terminal without echo.';

const register: Command = {
  name: 'register',
  summary: 'Create a person account (when the hub allows open registration) and print its token',
  description: `${PASSWORD_NOTE} Passwords have at least 8 characters.`,
  args: ['HANDLE'],
  options: { 'display-name': { type: 'string', value: 'NAME', description: 'Shown instead of the handle' } },
  examples: [
    'eval "$(roundtable register alice --display-name "Alice Martin")"',
    'ROUNDTABLE_PASSWORD=… roundtable register ci-user',
  ],
  async run(context, { values, args }) {
    const handle = handleArg(args[0]!);
    const secret = await password(context.env, true);
    const display_name = stringOption(values, 'display-name');
    const result = await progress(
      'registering',
      context.anonymousApi().register({ handle, password: secret, display_name }),
    );
    signedIn(context, result, 'Registered');
  },
};

const login: Command = {
  name: 'login',
  summary: 'Sign in with a handle and password and print a session token',
  description: PASSWORD_NOTE,
  args: ['HANDLE'],
  examples: ['eval "$(roundtable login alice)"', 'roundtable login alice --json | jq -r .token'],
  async run(context, { args }) {
    const handle = handleArg(args[0]!);
    const secret = await password(context.env, false);
    const result = await progress('signing in', context.anonymousApi().login({ handle, password: secret }));
    signedIn(context, result, 'Signed in');
  },
};

export const accountCommands: Command[] = [register, login];

/** stdout is meant for `eval`, so it carries the export line and nothing else. */
function signedIn(context: Context, result: AuthResult, what: string): void {
  if (context.json) return printJson(result);
  print(`export ROUNDTABLE_TOKEN=${result.token}`);
  notice(`${what} as @${result.member.handle}. Run this command inside eval "$(…)" to set the token in your shell.`);
}
