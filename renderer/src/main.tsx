// Entry point. api.ts runs first: it takes the web host's token out of the URL
// before the router reads the hash.
import './api';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { QueryProvider } from './query/QueryProvider';
import { installErrorReporting } from './shell/errorReporting';
import { initialTheme } from './shell/theme';
import './styles.css';

installErrorReporting();
initialTheme();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryProvider>
      <App />
    </QueryProvider>
  </StrictMode>,
);
