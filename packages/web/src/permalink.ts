/** A message's own address: `/m/<id>` opens the app at that message, with its room's history around it. */
export function permalink(messageId: string): string {
  return `${window.location.origin}/m/${encodeURIComponent(messageId)}`;
}
