/** A message typed here that the hub has not acknowledged yet: sending, or refused with retry and discard. */
import type { Outgoing } from '../session.js';
import { useChat, useStore } from '../use-chat.js';
import { ActionText, MessageText } from './Markdown.js';

export function PendingItem({ outgoing }: { outgoing: Outgoing }) {
  const store = useStore();
  const connection = useChat((state) => state.connection);
  return (
    <li className={`message pending${outgoing.failed ? ' failed' : ''}`} data-client-id={outgoing.client_id}>
      <span className="avatar person" aria-hidden="true">
        …
      </span>
      <div className="body">
        {outgoing.action ? (
          <ActionText sender={outgoing.member} text={outgoing.content} />
        ) : (
          <MessageText text={outgoing.content} />
        )}
        {outgoing.failed ? (
          <p className="error" role="alert">
            Not sent: {outgoing.failed}{' '}
            <button type="button" onClick={() => store.retry(outgoing.client_id)}>
              Retry
            </button>{' '}
            <button type="button" onClick={() => store.discard(outgoing.client_id)}>
              Discard
            </button>
          </p>
        ) : (
          <p className="sending">{connection === 'open' ? 'Sending…' : 'Waiting for the connection…'}</p>
        )}
      </div>
    </li>
  );
}
