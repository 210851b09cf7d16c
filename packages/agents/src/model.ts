/** The language model behind an agent: any OpenAI-compatible chat endpoint, through the AI SDK's provider. */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { streamText, type LanguageModel } from 'ai';
import { resolveSecret, type AgentDefinition } from './config.js';

export function createModel(settings: AgentDefinition['model'], env: NodeJS.ProcessEnv = process.env): LanguageModel {
  const provider = createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: settings.base_url,
    apiKey: resolveSecret(settings.api_key, env),
    // Token counts come with the stream's last chunk: budgets need them.
    includeUsage: true,
  });
  return provider.chatModel(settings.name);
}

export type ModelCheck = { ok: true; answer: string; model: string } | { ok: false; error: string };

/**
 * Asks the model one short question through the same code the agents use, for a person checking
 * settings: the answer (cut to `maxChars`), or the model's own error text, never a throw. It gives up
 * after `timeoutMs`.
 */
export async function checkModel(
  settings: AgentDefinition['model'],
  options: { timeoutMs: number; maxChars: number },
): Promise<ModelCheck> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let answer = '';
  try {
    const result = streamText({
      model: createModel(settings),
      prompt: 'Reply with one short sentence to say you are ready.',
      maxOutputTokens: 64,
      maxRetries: 0,
      abortSignal: timeout,
      onError: () => {},
    });
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        answer += part.text;
        if (answer.length >= options.maxChars) break;
      } else if (part.type === 'error') {
        throw part.error;
      } else if (part.type === 'abort') {
        break;
      }
    }
  } catch (error) {
    if (!timeout.aborted) return { ok: false, error: describeModelError(error, options.maxChars) };
  }
  if (timeout.aborted) return { ok: false, error: `The model did not answer within ${options.timeoutMs / 1000} s.` };
  return { ok: true, answer: answer.slice(0, options.maxChars), model: settings.name };
}

/** The error as the model's endpoint gave it: the HTTP status and its message, with the body when there is one. */
function describeModelError(error: unknown, maxChars: number): string {
  const status = (error as { statusCode?: number }).statusCode;
  const body = (error as { responseBody?: unknown }).responseBody;
  const message = error instanceof Error ? error.message : String(error);
  const text = [status ? `HTTP ${status}` : '', message, typeof body === 'string' && body !== message ? body : '']
    .filter(Boolean)
    .join(' · ');
  return text.slice(0, maxChars);
}
