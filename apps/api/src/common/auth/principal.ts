import type { Role } from '@xenplane/db';

/** Who is calling: a token's role, and its project unless the token is global. */
export interface Principal {
  tokenId: string;
  /** the token's name, for logs and the audit trail (never its secret) */
  tokenName: string;
  role: Role;
  /** null for global tokens (operator, admin) */
  projectId: string | null;
}

// who may do what is libs/domain's (auth/access.ts); the API's principal is a caller there
export { type AccessLevel, allows, canSeeProject, isGlobal } from '@xenplane/domain';

/**
 * The projects a caller may see: a project token sees its own, a global token every one.
 * A resource outside answers 404, never 403, so existence does not leak.
 */
export function visibleProject(p: Principal): { projectId?: string } {
  return p.projectId ? { projectId: p.projectId } : {};
}
