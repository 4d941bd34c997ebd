/** A token's role: project tokens are viewer, member or admin; global tokens operator or admin. */
export type TokenRole = 'admin' | 'member' | 'viewer' | 'operator';

/** Who is calling, as far as access goes: its role, and its project unless the token is global. */
export interface Caller {
  role: TokenRole;
  /** null for global tokens (operator, admin) */
  projectId: string | null;
}

/**
 * Access levels a route may declare. Project roles rank viewer < member < admin; global
 * tokens are operator (infrastructure) or admin (everything).
 */
export type AccessLevel = 'public' | 'enrollment' | 'viewer' | 'member' | 'project-admin' | 'operator' | 'admin';

export const isGlobal = (c: Caller): boolean => c.projectId === null;

export function allows(level: Exclude<AccessLevel, 'public' | 'enrollment'>, c: Caller): boolean {
  if (isGlobal(c) && c.role === 'admin') return true;
  switch (level) {
    case 'viewer':
      return true;
    case 'member':
      return !isGlobal(c) && (c.role === 'member' || c.role === 'admin');
    case 'project-admin':
      return !isGlobal(c) && c.role === 'admin';
    case 'operator':
      return isGlobal(c) && c.role === 'operator';
    case 'admin':
      return false;
  }
}

/** A project the caller may see: a project token its own, a global token every one. */
export function canSeeProject(c: Pick<Caller, 'projectId'>, projectId: string | null | undefined): boolean {
  return c.projectId === null || c.projectId === projectId;
}
