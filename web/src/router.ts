import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

export type Route =
  | { screen: 'chats'; chatId: string | null }
  | { screen: 'routing-log' }
  | { screen: 'turn'; messageId: string | null }
  | { screen: 'usage' }
  | { screen: 'users' }
  | { screen: 'not-found' };

const UUID = '[0-9a-fA-F-]{36}';

/** The client-side routes, all under /console/ (the server answers index.html for every one). */
export function parseRoute(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) || '/' : pathname;
  if (path === '/' || path === '/chats' || path === '/chats/') return { screen: 'chats', chatId: null };
  const chat = new RegExp(`^/chats/(${UUID})/?$`).exec(path);
  if (chat) return { screen: 'chats', chatId: chat[1] };
  if (path === '/admin/routing-log') return { screen: 'routing-log' };
  if (path === '/admin/turns') return { screen: 'turn', messageId: null };
  const turn = /^\/admin\/turns\/([^/]+)$/.exec(path);
  if (turn) return { screen: 'turn', messageId: safeDecode(turn[1]) };
  if (path === '/admin/usage') return { screen: 'usage' };
  if (path === '/admin/users') return { screen: 'users' };
  return { screen: 'not-found' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string): void {
  const target = href(path);
  if (location.pathname !== target) history.pushState(null, '', target);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.pathname));
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return route;
}

/** A same-app link: a real href (open in a new tab works), navigated client-side on a plain click. */
export function onLinkClick(path: string) {
  return (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(path);
  };
}
