/**
 * Light or dark: the person's choice when they made one, else the system's, followed live. The
 * theme is an attribute on <html> that the design system's variables key on (styles/base.css).
 */
export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'roundtable.theme';
const DARK = '(prefers-color-scheme: dark)';

export function themeChoice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function applyTheme(choice: ThemeChoice = themeChoice()): void {
  const dark = choice === 'dark' || (choice === 'system' && window.matchMedia(DARK).matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function chooseTheme(choice: ThemeChoice): void {
  if (choice === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  applyTheme(choice);
}

/** Applies the theme now and whenever the system's changes while the person has not chosen one. */
export function followSystemTheme(): void {
  applyTheme();
  window.matchMedia(DARK).addEventListener('change', () => {
    if (themeChoice() === 'system') applyTheme('system');
  });
}
