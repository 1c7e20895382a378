/**
 * The signed-in API key lives in sessionStorage only: it survives a reload of this tab, is gone when
 * the tab closes, and never reaches a URL, localStorage or a cookie.
 */
const KEY = 'tally.apiKey';
const ROLE = 'tally.role';

export type Role = 'admin' | 'member';

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function role(): Role | null {
  const value = sessionStorage.getItem(ROLE);
  return value === 'admin' || value === 'member' ? value : null;
}

export function remember(key: string, who: Role): void {
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(ROLE, who);
}

export function forget(): void {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(ROLE);
}
