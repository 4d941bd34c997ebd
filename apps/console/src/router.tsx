import { createRootRoute, createRoute, createRouter, redirect } from '@tanstack/react-router';
import { ProblemAlert } from './components/ProblemAlert';
import { Shell } from './layout/Shell';
import { operatorRoutes } from './pages/operator/routes';
import { CreateVmPage } from './pages/tenant/CreateVmPage';
import { ProjectsPage } from './pages/tenant/ProjectsPage';
import { VmListPage } from './pages/tenant/VmListPage';
import { VmPage } from './pages/tenant/VmPage';
import { parseVmSearch } from './lib/vm-search';

/**
 * The route tree: every page's state (filters, tab) is in its URL's search params, so a link or a
 * reload shows the same thing. The shell signs in first whatever the URL (the token is never in it).
 */
export const rootRoute = createRootRoute({ component: Shell });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/vms' });
  },
});

export const vmsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/vms',
  validateSearch: parseVmSearch,
  component: VmListPage,
});

export const createVmRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/vms/new',
  component: CreateVmPage,
});

const VM_TABS = ['overview', 'history', 'console', 'snapshots'] as const;
export type VmTab = (typeof VM_TABS)[number];

export const vmRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/vms/$vmId',
  validateSearch: (raw: Record<string, unknown>): { tab?: VmTab } =>
    VM_TABS.includes(raw['tab'] as VmTab) && raw['tab'] !== 'overview' ? { tab: raw['tab'] as VmTab } : {},
  component: VmPage,
});

export const projectsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects',
  component: ProjectsPage,
});

const routeTree = rootRoute.addChildren([
  indexRoute,
  vmsRoute,
  createVmRoute,
  vmRoute,
  projectsRoute,
  ...operatorRoutes(rootRoute),
]);

export const router = createRouter({
  routeTree,
  defaultPreload: false,
  scrollRestoration: true,
  // a page that fails to render says why, in the shell, instead of a blank screen
  defaultErrorComponent: ({ error }) => <ProblemAlert error={error} title="This page failed" />,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
