import type { ComponentChildren } from 'preact';
import { Link } from '../Link.js';
import type { Route } from '../router.js';

/** The frame around every screen: navigation (admin links for admins only) and Sign out. */
export function Shell(props: { route: Route; admin: boolean; onSignOut: () => void; children: ComponentChildren }) {
  const { route, admin } = props;
  return (
    <div class="shell">
      <header class="topbar">
        <span class="brand">Tally</span>
        <nav aria-label="Main">
          <Link to="/" current={route.screen === 'chats'}>
            Chats
          </Link>
          {admin && (
            <>
              <Link to="/admin/routing-log" current={route.screen === 'routing-log'}>
                Routing log
              </Link>
              <Link to="/admin/turns" current={route.screen === 'turn'}>
                Turn inspector
              </Link>
              <Link to="/admin/usage" current={route.screen === 'usage'}>
                Usage
              </Link>
              <Link to="/admin/users" current={route.screen === 'users'}>
                Users and keys
              </Link>
            </>
          )}
          <a href="/docs">API reference</a>
        </nav>
        <button type="button" class="ghost" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main class="main">{props.children}</main>
    </div>
  );
}
