/**
 * An OpenAI-compatible chat completions endpoint for tests: real HTTP on port 0, answering with
 * server-sent chunks as a script says (text in pieces, tool calls, a hang, an HTTP error), and
 * recording every request and whether the client went away before the answer ended.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';

export interface ToolCallScript {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface Answer {
  /** Text sent as one delta each. */
  chunks?: string[];
  /** Pause before each chunk, in ms. */
  delayMs?: number;
  toolCalls?: ToolCallScript[];
  /** Send headers, then nothing until the client gives up. */
  hang?: boolean;
  /** Answer with this HTTP status and an error body instead of a stream. */
  status?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export interface RecordedRequest {
  body: {
    model: string;
    messages: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
    tools?: Array<{ function: { name: string } }>;
    max_tokens?: number;
  };
  /** The client closed the connection before the answer ended (a stop, a timeout). */
  aborted: boolean;
  ended: boolean;
}

export interface FakeModel {
  baseUrl: string;
  requests: RecordedRequest[];
}

export async function startFakeModel(t: TestContext, answer: (request: RecordedRequest) => Answer): Promise<FakeModel> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => void serve(req, res, requests, answer));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests };
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  requests: RecordedRequest[],
  answer: (request: RecordedRequest) => Answer,
): Promise<void> {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
    res.writeHead(404).end();
    return;
  }
  const recorded: RecordedRequest = { body: JSON.parse(raw), aborted: false, ended: false };
  requests.push(recorded);
  res.on('close', () => {
    if (!recorded.ended) recorded.aborted = true;
  });
  const script = answer(recorded);
  if (script.status) {
    recorded.ended = true;
    res
      .writeHead(script.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ error: { message: 'the model is overloaded', type: 'server_error' } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  if (script.hang) return;
  const send = (choice: Record<string, unknown> | null, extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({
        id: 'chatcmpl-test',
        object: 'chat.completion.chunk',
        created: 0,
        model: recorded.body.model,
        choices: choice ? [{ index: 0, ...choice }] : [],
        ...extra,
      })}\n\n`,
    );
  send({ delta: { role: 'assistant', content: '' }, finish_reason: null });
  for (const chunk of script.chunks ?? []) {
    if (script.delayMs) await new Promise((resolve) => setTimeout(resolve, script.delayMs));
    if (res.destroyed) return;
    send({ delta: { content: chunk }, finish_reason: null });
  }
  (script.toolCalls ?? []).forEach((call, index) =>
    send({
      delta: {
        tool_calls: [
          {
            index,
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          },
        ],
      },
      finish_reason: null,
    }),
  );
  send({ delta: {}, finish_reason: script.toolCalls?.length ? 'tool_calls' : 'stop' });
  const usage = script.usage ?? { prompt_tokens: 10, completion_tokens: (script.chunks ?? []).length };
  send(null, { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  res.write('data: [DONE]\n\n');
  recorded.ended = true;
  res.end();
}
