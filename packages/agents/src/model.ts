/** The language model behind an agent: any OpenAI-compatible chat endpoint, through the AI SDK's provider. */
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
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
