/**
 * The simple dialect: what an agent-chat script of the earlier interface speaks at `/ws/{agent}` and
 * `/ws/user` (docs/protocol.md §9.1). A frame without a `type` is a message to the dialect's room,
 * which the hub sends as a `send`; the room and the member are named in the socket's query.
 */
import { z } from 'zod';
import { ClientId, Content, Handle, RoomRef } from './model.js';

/** The path of the dialect, in Fastify's form: `{agent}` is a handle, or `user` with `user_id`. */
export const SIMPLE_PATH = '/ws/:agent';

/** What names the socket's member and room, in its query: `user_id` labels a script, or names the person on `/ws/user`. */
export const SimpleQuery = z.object({ user_id: z.string().optional(), room: RoomRef.optional() });

/** A message frame: `id` asks for an `ack` or `error`, `room` sends to another room the member is in. */
export const SimpleMessageFrame = z.object({
  message: Content,
  target_agents: z.array(Handle).optional(),
  room: RoomRef.optional(),
  id: z.string().optional(),
  client_id: ClientId.optional(),
});
