import type { FastifyRequest } from 'fastify';
import { HubError } from '../core/hub-error.js';

/** The authenticated member of a request on a route that requires a token. */
export function actorOf(request: FastifyRequest) {
  if (!request.auth) throw new HubError('auth_required');
  return request.auth.member;
}
