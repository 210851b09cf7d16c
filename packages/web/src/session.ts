/** The signed-in identity, kept in localStorage so a reload keeps it. */
const KEY = 'roundtable.token';

export function savedToken(): string | null {
  return localStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(KEY);
}
