/**
 * Memory: what agents may recall. Search over the messages of the actor's rooms and its own
 * notes, and saving notes; every hit names its source so the context used can be shown.
 */
import type { MessageHit, Note, NoteHit } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { newId } from './ids.js';
import type { MemberRecord, NoteRecord } from './ports.js';

export class Memory {
  constructor(private readonly ctx: HubContext) {}

  /**
   * Messages of the actor's rooms (or of one of them) and the actor's own notes matching the words of
   * the query. Only rooms the actor belongs to are searched: a public room's history is readable
   * before joining, but it is not searched until joined.
   */
  async searchMemory(
    actor: MemberRecord,
    params: { query: string; room?: string; for_room?: string; limit: number },
  ): Promise<{ messages: MessageHit[]; notes: NoteHit[] }> {
    const { ctx } = this;
    const terms = searchTerms(params.query);
    const mine = await ctx.store.listRoomsOf(actor.id);
    let roomIds: string[];
    let noteRooms: Set<string>;
    if (params.room || params.for_room) {
      const room = await ctx.resolveRoom((params.room ?? params.for_room)!);
      await ctx.requireMembership(room.id, actor, room.kind);
      roomIds = [room.id];
      // What every member of that room may read anyway: public rooms (`room`, when also given, is narrower).
      if (!params.room) roomIds.push(...mine.filter((r) => r.kind === 'public' && r.id !== room.id).map((r) => r.id));
      noteRooms = new Set([room.id]);
    } else {
      // Someone else's conversation with this agent never surfaces outside it.
      roomIds = mine.filter((r) => r.kind !== 'conversation' || r.created_by === actor.handle).map((r) => r.id);
      noteRooms = new Set(roomIds);
    }
    const query = { terms, limit: params.limit, now: ctx.now() };
    const [messages, notes] = await Promise.all([
      ctx.store.searchMessages({ ...query, roomIds }),
      ctx.store.searchNotes(actor.id, query),
    ]);
    return {
      messages,
      notes: notes
        .filter(({ note }) => note.room_id === null || noteRooms.has(note.room_id))
        .map(({ note, score }) => ({ note: publicNote(note, actor.handle), score })),
    };
  }

  async saveNote(actor: MemberRecord, params: { content: string; room?: string }): Promise<Note> {
    const { ctx } = this;
    ctx.requireMayPost(actor);
    let roomId: string | null = null;
    if (params.room) {
      const room = await ctx.resolveRoom(params.room);
      await ctx.requireMembership(room.id, actor, room.kind);
      roomId = room.id;
    }
    const note = await ctx.store.insertNote({
      id: newId('note'),
      member_id: actor.id,
      room_id: roomId,
      content: params.content,
      created_at: ctx.now(),
    });
    return publicNote(note, actor.handle);
  }
}

function publicNote(note: NoteRecord, handle: string): Note {
  return { id: note.id, member: handle, room: note.room_id, content: note.content, created_at: note.created_at };
}

/** The words of a search, lowercased, once each: at most 16, so a pasted page cannot become a huge query. */
export function searchTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words.filter((word) => word.length > 1 || /\p{N}/u.test(word)))].slice(0, 16);
}
