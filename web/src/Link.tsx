import type { ComponentChildren } from 'preact';
import { href, onLinkClick } from './router.js';

export function Link(props: { to: string; children: ComponentChildren; class?: string; current?: boolean; label?: string }) {
  return (
    <a
      href={href(props.to)}
      onClick={onLinkClick(props.to)}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      aria-label={props.label}
    >
      {props.children}
    </a>
  );
}
