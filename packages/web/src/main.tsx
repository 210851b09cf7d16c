/** Entry point of the web UI. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { followSystemTheme } from './ui/theme.js';
import './styles/base.css';
import './styles/ui.css';
import './styles.css';

// Before the first render, so the page never flashes in the other theme.
followSystemTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
