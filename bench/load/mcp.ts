import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { openWs, type Connection } from './connection.js';
import { percentile, settleHeap } from './timing.js';

/**
 * An agent over MCP against one over the WebSocket protocol, in the same hub and the same rounds:
 * how soon a mention wakes each, and how long a send takes to be acknowledged.
 */
export interface McpJob {
  kind: 'mcp';
  url: string;
  /** The person who mentions both agents. */
  personToken: string;
  /** The agent that waits with `wait_for_messages` in an MCP session. */
  mcpToken: string;
  mcpHandle: string;
  /** The agent on a WebSocket: the baseline. */
  wsToken: string;
  wsHandle: string;
  rounds: number;
}

export interface McpResult {
  rounds: number;
  /** From the person's send to each agent having the message. */
  wakeMcpP50: number;
  wakeMcpP99: number;
  wakeWsP50: number;
  wakeWsP99: number;
  /** An agent's send, to its answer: `send_message` over MCP, a `send` frame's ack over WebSocket. */
  sendMcpP50: number;
  sendMcpP99: number;
  sendWsP50: number;
  sendWsP99: number;
}

const MCP_WARMUP_ROUNDS = 20;

export async function prepareMcp(job: McpJob): Promise<() => Promise<McpResult>> {
  const person = await openWs(job.url, job.personToken);
  const wsAgent = await openWs(job.url, job.wsToken);
  const mcp = new Client({ name: 'bench-agent', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${job.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${job.mcpToken}` } },
    }),
  );
  const arrivals = new Map<string, (at: number) => void>();
  wsAgent.onEvent((content) => arrivals.get(content)?.(performance.now()));
  const acked = (connection: Connection, content: string) =>
    new Promise<void>((resolve, reject) =>
      connection.send('general', content, `c${Math.random()}`, (error) =>
        error ? reject(new Error(error)) : resolve(),
      ),
    );

  /** One round: both agents waiting, the person mentions them, each one's wake time. */
  const round = async (i: number) => {
    const content = `@${job.mcpHandle} @${job.wsHandle} ping ${i}`;
    const wsArrived = new Promise<number>((resolve) => arrivals.set(content, resolve));
    const mcpArrived = mcp
      .callTool({ name: 'wait_for_messages', arguments: { timeout_s: 30 } })
      .then(() => performance.now());
    // The wait is parked in the hub before the mention is sent.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const sent = performance.now();
    await acked(person, content);
    const [ws, viaMcp] = await Promise.all([wsArrived, mcpArrived]);
    arrivals.delete(content);
    return { ws: ws - sent, mcp: viaMcp - sent };
  };
  const sends = async (i: number) => {
    let started = performance.now();
    await mcp.callTool({ name: 'send_message', arguments: { room: 'general', content: `mcp update ${i}` } });
    const viaMcp = performance.now() - started;
    started = performance.now();
    await acked(wsAgent, `ws update ${i}`);
    return { mcp: viaMcp, ws: performance.now() - started };
  };
  return async () => {
    for (let i = 0; i < MCP_WARMUP_ROUNDS; i++) {
      await round(-i - 1);
      await sends(-i - 1);
    }
    settleHeap();
    const wake = { mcp: [] as number[], ws: [] as number[] };
    const send = { mcp: [] as number[], ws: [] as number[] };
    for (let i = 0; i < job.rounds; i++) {
      const woken = await round(i);
      wake.mcp.push(woken.mcp);
      wake.ws.push(woken.ws);
      const sent = await sends(i);
      send.mcp.push(sent.mcp);
      send.ws.push(sent.ws);
    }
    await mcp.close();
    person.close();
    wsAgent.close();
    return {
      rounds: job.rounds,
      wakeMcpP50: percentile(wake.mcp, 50),
      wakeMcpP99: percentile(wake.mcp, 99),
      wakeWsP50: percentile(wake.ws, 50),
      wakeWsP99: percentile(wake.ws, 99),
      sendMcpP50: percentile(send.mcp, 50),
      sendMcpP99: percentile(send.mcp, 99),
      sendWsP50: percentile(send.ws, 50),
      sendWsP99: percentile(send.ws, 99),
    };
  };
}
