import type { Role } from '@xenplane/db';

/** Who is calling: a token's role, and its project unless the token is global. */
export interface Principal {
  tokenId: string;
  role: Role;
  /** null for global tokens (operator, admin) */
  projectId: string | null;
}

/**
 * Access levels a route may declare. Project roles rank viewer < member < admin; global
 * tokens are operator (infrastructure) or admin (everything).
 */
export type AccessLevel = 'public' | 'enrollment' | 'viewer' | 'member' | 'project-admin' | 'operator' | 'admin';

export const isGlobal = (p: Principal): boolean => p.projectId === null;

export function allows(level: Exclude<AccessLevel, 'public' | 'enrollment'>, p: Principal): boolean {
  if (isGlobal(p) && p.role === 'admin') return true;
  switch (level) {
    case 'viewer':
      return true;
    case 'member':
      return !isGlobal(p) && (p.role === 'member' || p.role === 'admin');
    case 'project-admin':
      return !isGlobal(p) && p.role === 'admin';
    case 'operator':
      return isGlobal(p) && p.role === 'operator';
    case 'admin':
      return false;
  }
}

/**
 * The projects a caller may see: a project token sees its own, a global token every one.
 * A resource outside answers 404, never 403, so existence does not leak.
 */
export function visibleProject(p: Principal): { projectId?: string } {
  return p.projectId ? { projectId: p.projectId } : {};
}

export function canSeeProject(p: Principal, projectId: string | null | undefined): boolean {
  return p.projectId === null || p.projectId === projectId;
}
