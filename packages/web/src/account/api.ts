/**
 * The REST calls of the account pages. They read and change no chat state, so they go straight to
 * the SDK's REST client with the signed-in token rather than through the chat store.
 */
import { RestClient, RoundtableError } from '@roundtable/client';
import { savedToken } from '../session.js';

export function accountApi(): RestClient {
  return new RestClient({ url: window.location.origin, token: savedToken() ?? undefined });
}

/** A failure in words a person can act on. */
export function problem(caught: unknown): string {
  return caught instanceof RoundtableError ? caught.message : 'The hub could not be reached.';
}
