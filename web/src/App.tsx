import { useEffect, useState } from 'preact/hooks';
import { RoutingLogScreen } from './admin/routing-log/RoutingLogScreen.js';
import { TurnScreen } from './admin/turn/TurnScreen.js';
import { UsageScreen } from './admin/usage/UsageScreen.js';
import { UsersScreen } from './admin/users/UsersScreen.js';
import { onUnauthorized } from './api/client.js';
import { ChatsScreen } from './chats/ChatsScreen.js';
import { Shell } from './layout/Shell.js';
import { useRoute } from './router.js';
import { apiKey, forget, type Role, remember, role } from './session.js';
import { SignIn } from './sign-in/SignIn.js';

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<{ role: Role } | null>(() => {
    const who = role();
    return apiKey() && who ? { role: who } : null;
  });
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = (message: string | null = null) => {
    forget();
    setSession(null);
    setNotice(message);
  };
  useEffect(() => onUnauthorized(() => signOut('The server no longer accepts this key. Sign in again.')), []);

  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(key, who) => {
          remember(key, who);
          setNotice(null);
          setSession({ role: who });
        }}
      />
    );
  }
  const admin = session.role === 'admin';
  return (
    <Shell route={route} admin={admin} onSignOut={() => signOut()}>
      {route.screen === 'chats' && <ChatsScreen chatId={route.chatId} />}
      {route.screen === 'routing-log' && <RoutingLogScreen />}
      {route.screen === 'turn' && <TurnScreen messageId={route.messageId} />}
      {route.screen === 'usage' && <UsageScreen />}
      {route.screen === 'users' && <UsersScreen />}
      {route.screen === 'not-found' && (
        <section class="screen">
          <h1>Not found</h1>
          <p>There is no console page at this address.</p>
        </section>
      )}
    </Shell>
  );
}
