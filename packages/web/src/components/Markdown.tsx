/**
 * Message text as GitHub-flavoured markdown. Raw HTML is never rendered (react-markdown shows it
 * as text unless told otherwise), links go through the safe-protocol filter, and images become
 * plain links: an image loads the moment a message is seen, which would let any sender track
 * readers or point at a URL meant to be hit.
 */
import { memo, useSyncExternalStore } from 'react';
import Markdown, { defaultUrlTransform, type Components, type Options } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { text } from '../safe.js';

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ src, alt }) =>
    typeof src === 'string' && src ? (
      <a href={src} target="_blank" rel="noopener noreferrer nofollow" className="image-link">
        {alt || src}
      </a>
    ) : (
      <span>{alt}</span>
    ),
};

const remarkPlugins: Options['remarkPlugins'] = [remarkGfm];

/**
 * The highlighter and its languages are a chunk of their own, fetched the first time a message
 * holds a fenced block that names its language: most screens have none, and code shows plain
 * until it arrives. Only named languages are highlighted: guessing is slow and often wrong.
 */
let rehypePlugins: Options['rehypePlugins'] = [];
let highlighter: Promise<void> | undefined;
const waiting = new Set<() => void>();
const FENCE_WITH_LANGUAGE = /^\s*(```|~~~)\s*[\w+#.-]+/m;

function loadHighlighter(): void {
  highlighter ??= import('rehype-highlight').then(({ default: rehypeHighlight }) => {
    rehypePlugins = [[rehypeHighlight, { detect: false }]];
    for (const notify of waiting) notify();
  });
}

function usePlugins(content: string): Options['rehypePlugins'] {
  const wanted = FENCE_WITH_LANGUAGE.test(content);
  if (wanted) loadHighlighter();
  return useSyncExternalStore(
    (notify) => {
      waiting.add(notify);
      return () => waiting.delete(notify);
    },
    () => (wanted ? rehypePlugins : undefined),
  );
}

/** Text that is not a string (a malformed stored message) renders as nothing: react-markdown throws on it. */
export const MessageText = memo(function MessageText({ text: content }: { text: unknown }) {
  const source = text(content) ?? '';
  const plugins = usePlugins(source);
  return (
    <div className="markdown">
      <Markdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={plugins}
        components={components}
        urlTransform={defaultUrlTransform}
      >
        {source}
      </Markdown>
    </div>
  );
});

/** A `/me` message, as chat apps have long shown one: "* ada waves", in italics, as plain text. */
export function ActionText({ sender, text: content }: { sender: string; text: unknown }) {
  return (
    <p className="action-text">
      <em>
        * <bdi>{sender}</bdi> <bdi>{text(content) ?? ''}</bdi>
      </em>
    </p>
  );
}
