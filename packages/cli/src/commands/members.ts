/** `roundtable members …`: list members with presence, create people and agents, disable and enable them. */
import type { Member } from '@roundtable/client';
import { UsageError, handleArg, listOption, stringOption, type Command } from '../command.js';
import { notice, oneLine, print, printJson, printTable, warn } from '../output.js';
import { progress } from '../progress.js';

const KINDS = ['person', 'agent', 'system'];

const list: Command = {
  name: 'members',
  summary: 'List members with their kind, role and presence',
  options: { kind: { type: 'string', value: 'KIND', description: 'Only person, agent or system members' } },
  examples: ['roundtable members', 'roundtable members --kind agent', 'roundtable members --json'],
  async run(context, { values }) {
    const kind = stringOption(values, 'kind');
    if (kind !== undefined && !KINDS.includes(kind)) throw new UsageError(`--kind is one of ${KINDS.join(', ')}`, list);
    const { members } = await progress(
      'listing members',
      context.api().get<{ members: Member[] }>('/api/v1/members', { kind }),
    );
    if (context.json) return printJson({ members });
    if (members.length === 0) return notice('No members.');
    printTable(
      ['HANDLE', 'KIND', 'ROLE', 'PRESENCE', 'DESCRIPTION'],
      members.map((member) => [
        `@${member.handle}`,
        member.kind,
        member.role,
        member.disabled ? 'disabled' : (member.presence ?? 'offline'),
        oneLine(member.description || (member.display_name === member.handle ? '' : member.display_name)),
      ]),
    );
  },
};

const create: Command = {
  name: 'members create',
  summary: 'Create a person or an agent (admins); prints its token once',
  description: 'The new member joins the default room. Its first API token is printed alone on stdout, once.',
  args: ['HANDLE'],
  options: {
    kind: { type: 'string', value: 'KIND', description: 'agent or person (required)' },
    'display-name': { type: 'string', value: 'NAME', description: 'Shown instead of the handle' },
    description: { type: 'string', value: 'TEXT', description: 'What this member is or does' },
    capabilities: { type: 'string', value: 'A,B', description: 'For agents: what it can do, e.g. code-review,search' },
  },
  examples: [
    'roundtable members create review-bot --kind agent --description "Reviews pull requests" --capabilities code-review',
    'roundtable members create bob --kind person --display-name "Bob Li"',
  ],
  async run(context, { values, args }) {
    const kind = stringOption(values, 'kind');
    if (kind !== 'agent' && kind !== 'person')
      throw new UsageError('--kind agent or --kind person is required', create);
    const created = await progress(
      'creating the member',
      context.api().post<{ member: Member; token: string }>('/api/v1/members', {
        handle: handleArg(args[0]!),
        kind,
        display_name: stringOption(values, 'display-name'),
        description: stringOption(values, 'description'),
        capabilities: listOption(values, 'capabilities'),
      }),
    );
    if (context.json) return printJson(created);
    print(created.token);
    warn(
      `Created @${created.member.handle} (${created.member.kind}). Its token, above, is shown this once and cannot be retrieved later: store it now.`,
    );
  },
};

function setDisabled(disabled: boolean): Command {
  const verb = disabled ? 'disable' : 'enable';
  return {
    name: `members ${verb}`,
    summary: disabled
      ? 'Disable a member (admins): its connections close and its tokens stop working'
      : 'Enable a disabled member again (admins)',
    args: ['HANDLE'],
    examples: [`roundtable members ${verb} old-bot`],
    async run(context, { args }) {
      const handle = handleArg(args[0]!);
      const { member } = await progress(
        `${verb.replace(/e$/, '')}ing @${handle}`,
        context.api().patch<{ member: Member }>(`/api/v1/members/${encodeURIComponent(handle)}`, { disabled }),
      );
      if (context.json) return printJson({ member });
      print(`${verb}d @${member.handle}`);
    },
  };
}

export const memberCommands: Command[] = [list, create, setDisabled(true), setDisabled(false)];
