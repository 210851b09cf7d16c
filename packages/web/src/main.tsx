/** Entry point of the web UI. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { followSystemTheme } from './ui/theme.js';
import './styles/base.css';
import './styles/ui.css';
import './styles/shell.css';
import './styles/messages.css';
import './styles/panels.css';
import './styles/responsive.css';
import './styles/chat-details.css';

// Before the first render, so the page never flashes in the other theme.
followSystemTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
