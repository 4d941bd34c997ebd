import '@mantine/core/styles.css';
import './theme/overrides.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { ProblemError } from '@xenplane/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { LiveEvents } from './api/live';
import { SessionProvider } from './auth/session';
import { router } from './router';
import { cssVariables, theme } from './theme/theme';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // the event stream says when things change: no refetch on every focus
      refetchOnWindowFocus: false,
      staleTime: 10_000,
      // a refusal (4xx) is shown at once; only failures worth trying again are
      retry: (count, err) => count < 2 && !(err instanceof ProblemError && err.status < 500 && err.status !== 429),
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <LiveEvents>
            <RouterProvider router={router} />
          </LiveEvents>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
