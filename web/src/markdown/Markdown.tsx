import type { ComponentChildren } from 'preact';
import { useMemo } from 'preact/hooks';
import { type Block, type Inline, parseMarkdown } from './markdown.js';

function inlines(nodes: Inline[]): ComponentChildren {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'code':
        return <code key={i}>{node.text}</code>;
      case 'strong':
        return <strong key={i}>{inlines(node.children)}</strong>;
      case 'em':
        return <em key={i}>{inlines(node.children)}</em>;
      case 'link':
        return (
          <a key={i} href={node.href} target="_blank" rel="noopener noreferrer nofollow">
            {inlines(node.children)}
          </a>
        );
      default:
        return null;
    }
  });
}

function block(b: Block, i: number) {
  switch (b.type) {
    case 'code':
      return (
        <pre key={i} class="code-block" data-lang={b.lang || undefined}>
          <code>{b.text}</code>
        </pre>
      );
    case 'heading': {
      const Tag = `h${Math.min(b.level + 2, 6)}` as 'h3';
      return <Tag key={i}>{inlines(b.children)}</Tag>;
    }
    case 'list': {
      const Tag = b.ordered ? 'ol' : 'ul';
      return (
        <Tag key={i}>
          {b.items.map((item, j) => (
            <li key={j}>{inlines(item)}</li>
          ))}
        </Tag>
      );
    }
    case 'quote':
      return <blockquote key={i}>{inlines(b.children)}</blockquote>;
    case 'paragraph':
      return <p key={i}>{inlines(b.children)}</p>;
  }
}

/** Renders an answer's Markdown as elements; text stays text (Preact escapes it). */
export function Markdown({ source }: { source: string }) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  return <div class="markdown">{blocks.map(block)}</div>;
}
