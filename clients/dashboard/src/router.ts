/**
 * Client-side routes under /ui/ (the server answers index.html for all of them, so a reload or a
 * shared link lands on the same screen). `/` is the overview.
 */
import { useEffect, useState } from 'preact/hooks';

export const SCREENS = [
  { id: 'overview', title: 'Overview' },
  { id: 'budgets', title: 'Budgets' },
  { id: 'live', title: 'Live requests' },
  { id: 'keys', title: 'Virtual keys' },
  { id: 'config', title: 'Config' },
] as const;

export type ScreenId = (typeof SCREENS)[number]['id'] | 'login';

export function screenOf(pathname: string): ScreenId {
  const id = pathname.replace(/^\/ui\/?/, '').split('/', 1)[0] ?? '';
  if (id === 'login') return 'login';
  return SCREENS.find((screen) => screen.id === id)?.id ?? 'overview';
}

export const hrefOf = (screen: ScreenId): string => `/ui/${screen}`;

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((listener) => listener()));

export function navigate(screen: ScreenId): void {
  if (location.pathname !== hrefOf(screen)) history.pushState(null, '', hrefOf(screen));
  listeners.forEach((listener) => listener());
}

export function useScreen(): ScreenId {
  const [screen, setScreen] = useState(() => screenOf(location.pathname));
  useEffect(() => {
    const update = () => setScreen(screenOf(location.pathname));
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return screen;
}
