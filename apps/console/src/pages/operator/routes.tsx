import { type AnyRoute, createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { parseAuditSearch, parseHostsSearch, parseOperationsSearch, parsePoolsSearch } from '../../lib/operator';

/** A link of the operator section of the navigation (global operator/admin tokens only). */
export interface NavEntry {
  to: string;
  label: string;
  /** only for global admin tokens (the route refuses operators) */
  adminOnly?: boolean;
}

/**
 * The operator pages, each loaded when first shown (their charts and tables are not in the
 * bundle tenants load). Their filters live in the URL's search params, like the VM list's.
 */
export function operatorRoutes<R extends AnyRoute>(root: R) {
  const pools = createRoute({
    getParentRoute: () => root,
    path: '/pools',
    validateSearch: parsePoolsSearch,
    component: lazyRouteComponent(() => import('./PoolsPage'), 'PoolsPage'),
  });
  const hosts = createRoute({
    getParentRoute: () => root,
    path: '/hosts',
    validateSearch: parseHostsSearch,
    component: lazyRouteComponent(() => import('./HostsPage'), 'HostsPage'),
  });
  const operations = createRoute({
    getParentRoute: () => root,
    path: '/operations',
    validateSearch: parseOperationsSearch,
    component: lazyRouteComponent(() => import('./OperationsPage'), 'OperationsPage'),
  });
  const audit = createRoute({
    getParentRoute: () => root,
    path: '/audit',
    validateSearch: parseAuditSearch,
    component: lazyRouteComponent(() => import('./AuditPage'), 'AuditPage'),
  });
  const placement = createRoute({
    getParentRoute: () => root,
    path: '/placement',
    component: lazyRouteComponent(() => import('./PlacementPage'), 'PlacementPage'),
  });
  const queues = createRoute({
    getParentRoute: () => root,
    path: '/queues',
    component: lazyRouteComponent(() => import('./QueuesPage'), 'QueuesPage'),
  });
  return [pools, hosts, operations, audit, queues, placement] as const;
}

export const OPERATOR_NAV: NavEntry[] = [
  { to: '/pools', label: 'Pools' },
  { to: '/hosts', label: 'Hosts' },
  { to: '/operations', label: 'Operations' },
  { to: '/audit', label: 'Audit trail', adminOnly: true },
  { to: '/queues', label: 'Queues', adminOnly: true },
  { to: '/placement', label: 'Placement dry-run' },
];
