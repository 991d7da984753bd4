/**
 * The operator's credential: a session token from `login` or a pasted API token, kept in
 * localStorage so a reload stays signed in. Never logged, never put in a URL.
 */
const STORAGE_KEY = 'heimdall.token';

export function storedToken(): string | undefined {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined; // storage disabled: the session lasts as long as the tab
  }
}

export function storeToken(token: string | undefined): void {
  try {
    if (token === undefined) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: nothing to persist
  }
}
