/**
 * Message text as GitHub-flavoured markdown. Raw HTML is never rendered (react-markdown shows it
 * as text unless told otherwise), links go through the safe-protocol filter, and images become
 * plain links: an image loads the moment a message is seen, which would let any sender track
 * readers or point at a URL meant to be hit.
 */
import { memo } from 'react';
import Markdown, { defaultUrlTransform, type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
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
// Only fenced blocks that name their language are highlighted: guessing is slow and often wrong.
const rehypePlugins: Options['rehypePlugins'] = [[rehypeHighlight, { detect: false }]];

/** Text that is not a string (a malformed stored message) renders as nothing: react-markdown throws on it. */
export const MessageText = memo(function MessageText({ text: content }: { text: unknown }) {
  return (
    <div className="markdown">
      <Markdown
        remarkPlugins={remarkPlugins}
        rehypePlugins={rehypePlugins}
        components={components}
        urlTransform={defaultUrlTransform}
      >
        {text(content) ?? ''}
      </Markdown>
    </div>
  );
});
