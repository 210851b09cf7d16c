/** React access to the ChatStore: the store itself, and snapshots of the parts a component reads. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatStore } from './store/chat-store.js';
import type { ChatState } from './store/state.js';

export const StoreContext = createContext<ChatStore | null>(null);

export function useStore(): ChatStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside a StoreContext provider');
  return store;
}

/** `select` must return something the state already holds (not a new object), or React re-renders forever. */
export function useChat<T>(select: (state: ChatState) => T): T {
  const store = useStore();
  return useSyncExternalStore(store.subscribe, () => select(store.snapshot()));
}
