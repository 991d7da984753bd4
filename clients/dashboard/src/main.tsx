/**
 * The dashboard shell: asks the control plane whether sign-in is needed (`viewer`), then shows the
 * navigation, a reconnecting banner while the live socket is down, and the current screen.
 */
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, messageOf, type ConnectionState } from './api.ts';
import { SessionContext, type Session } from './context.ts';
import { hrefOf, navigate, SCREENS, useScreen, type ScreenId } from './router.ts';
import { Budgets } from './screens/budgets.tsx';
import { Config } from './screens/config.tsx';
import { Keys } from './screens/keys.tsx';
import { Live } from './screens/live.tsx';
import { Login } from './screens/login.tsx';
import { Overview } from './screens/overview.tsx';
import { storedToken, storeToken } from './session.ts';
import { ErrorNote, Loading } from './ui/parts.tsx';
import './styles.css';

interface Viewer {
  authEnabled: boolean;
  authenticated: boolean;
}

function App() {
  const [token, setToken] = useState(storedToken);
  const api = useMemo(() => createApi(token), [token]);
  const [viewer, setViewer] = useState<Viewer | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [resyncs, setResyncs] = useState(0);
  const screen = useScreen();

  useEffect(() => {
    setViewer(undefined);
    api.sdk.viewer().then(
      (found) => setViewer(found),
      (failure: unknown) => setError(messageOf(failure)),
    );
    const stop = api.onConnection((state, reconnected) => {
      setConnection(state);
      if (reconnected) setResyncs((n) => n + 1);
    });
    return () => {
      stop();
      api.close();
    };
  }, [api]);

  const signIn = (value: string | undefined) => {
    storeToken(value);
    setToken(value);
    navigate('overview');
  };
  if (error) return <ErrorNote error={`The control plane did not answer: ${error}`} />;
  if (!viewer) return <Loading />;
  const mustSignIn = viewer.authEnabled && !viewer.authenticated;
  const session: Session = {
    api,
    authEnabled: viewer.authEnabled,
    resyncs,
    signOut: () => signIn(undefined),
  };
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>
          <a href="/ui/overview" onClick={link('overview')}>
            Heimdall
          </a>
        </h1>
        {mustSignIn ? null : (
          <nav aria-label="Screens">
            {SCREENS.map((item) => (
              <a
                href={hrefOf(item.id)}
                aria-current={item.id === screen ? 'page' : undefined}
                onClick={link(item.id)}
              >
                {item.title}
              </a>
            ))}
          </nav>
        )}
        {viewer.authEnabled && !mustSignIn ? (
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void api.request('mutation DashboardLogout { logout }').finally(() => signIn(undefined))
            }
          >
            Sign out
          </button>
        ) : null}
      </header>
      {connection === 'reconnecting' ? (
        <div class="banner" role="status" data-testid="reconnecting">
          Live updates lost their connection — reconnecting…
        </div>
      ) : null}
      {!viewer.authEnabled && screen !== 'login' ? (
        <p class="notice">
          Control-plane authentication is off: anyone who can reach this port can change the config.{' '}
          <a href="/ui/login" onClick={link('login')}>
            Why?
          </a>
        </p>
      ) : null}
      <main id="main" tabIndex={-1}>
        {mustSignIn || screen === 'login' ? (
          <Login authEnabled={viewer.authEnabled} onToken={signIn} />
        ) : (
          <Screen id={screen} />
        )}
      </main>
    </SessionContext.Provider>
  );
}

function link(screen: ScreenId) {
  return (event: MouseEvent) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(screen);
    document.getElementById('main')?.focus();
  };
}

function Screen(props: { id: ScreenId }) {
  switch (props.id) {
    case 'budgets':
      return <Budgets />;
    case 'live':
      return <Live />;
    case 'keys':
      return <Keys />;
    case 'config':
      return <Config />;
    default:
      return <Overview />;
  }
}

render(<App />, document.getElementById('app')!);
