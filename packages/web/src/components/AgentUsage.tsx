/**
 * What agents spent, for admins: under the agent list, a table per agent of the tokens it reported
 * per room and day over the last seven days (the usage report), newest day first.
 */
import type { UsageRow } from '../agents-api.js';
import { Boundary } from './Boundary.js';

const count = (tokens: number) => tokens.toLocaleString('en-US');

function byAgent(rows: UsageRow[]): Array<[string, UsageRow[]]> {
  const grouped = new Map<string, UsageRow[]>();
  for (const row of rows) grouped.set(row.agent, [...(grouped.get(row.agent) ?? []), row]);
  return [...grouped].map(([agent, list]) => [agent, [...list].sort((a, b) => b.day.localeCompare(a.day))]);
}

function AgentTokens({ agent, rows }: { agent: string; rows: UsageRow[] }) {
  const total = rows.reduce((sum, row) => sum + row.total, 0);
  return (
    <table className="table usage-table" aria-label={`Tokens of @${agent}`}>
      <caption>
        <strong>@{agent}</strong> <span className="hint">{count(total)} tokens</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Day</th>
          <th scope="col">Room</th>
          <th scope="col" className="usage-tokens">
            Tokens
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.day} ${row.room}`}>
            <td>{row.day}</td>
            <td>{row.roomLabel}</td>
            <td className="usage-tokens">
              {count(row.total)}
              <small className="hint">
                {count(row.input)} in · {count(row.output)} out
              </small>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AgentUsage({ rows }: { rows: UsageRow[] }) {
  return (
    <section className="agent-usage-report" aria-labelledby="agent-usage-title">
      <h3 id="agent-usage-title">
        Tokens per room and day <span className="hint">last 7 days</span>
      </h3>
      {rows.length === 0 ? (
        <p className="hint">No agent reported any tokens in the last 7 days.</p>
      ) : (
        <div className="usage-tables">
          {byAgent(rows).map(([agent, list]) => (
            <Boundary
              key={agent}
              resetKey={list}
              fallback={<p className="hint">The usage of @{agent} could not be shown.</p>}
            >
              <AgentTokens agent={agent} rows={list} />
            </Boundary>
          ))}
        </div>
      )}
    </section>
  );
}
