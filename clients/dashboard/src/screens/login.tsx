/**
 * Sign-in when control-plane auth is on: the admin's username and password open a session, or an
 * API token is pasted as is. When auth is off there is nothing to sign in to, and the screen says
 * so (and why that matters).
 */
import { useState } from 'preact/hooks';
import { createApi, messageOf } from '../api.ts';
import { markReady } from '../context.ts';
import { ErrorNote } from '../ui/parts.tsx';

export function Login(props: { authEnabled: boolean; onToken(token: string): void }) {
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  markReady();
  if (!props.authEnabled)
    return (
      <section class="card narrow" aria-labelledby="login-title">
        <h2 id="login-title">No sign-in needed</h2>
        <p>
          Control-plane authentication is off, so this dashboard (and anyone who can reach this port) can read
          and change the configuration. Turn it on with <code>governance.auth_config.is_enabled: true</code>{' '}
          and an admin username and password in the config file (or <code>HEIMDALL_ADMIN_USERNAME</code> /{' '}
          <code>HEIMDALL_ADMIN_PASSWORD</code>).
        </p>
        <p>
          <a href="/ui/overview">Go to the overview</a>
        </p>
      </section>
    );

  async function withPassword(event: Event) {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    try {
      const api = createApi(undefined);
      const session = await api.sdk.login(
        String(form.get('username') ?? ''),
        String(form.get('password') ?? ''),
      );
      api.close();
      props.onToken(session.token);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }
  async function withToken(event: Event) {
    event.preventDefault();
    const token = String(new FormData(event.target as HTMLFormElement).get('token') ?? '').trim();
    const api = createApi(token);
    try {
      const viewer = await api.sdk.viewer();
      if (viewer.authenticated) props.onToken(token);
      else setError('That token is not valid (revoked, expired or mistyped).');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      api.close();
    }
  }
  return (
    <section class="card narrow" aria-labelledby="login-title">
      <h2 id="login-title">Sign in</h2>
      <form onSubmit={(event) => void withPassword(event)} class="stack">
        <label>
          Username
          <input name="username" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <p class="muted">or</p>
      <form onSubmit={(event) => void withToken(event)} class="stack">
        <label>
          API token
          <input name="token" type="password" autoComplete="off" required />
        </label>
        <button type="submit" class="secondary">
          Use token
        </button>
      </form>
      <ErrorNote error={error} />
    </section>
  );
}
