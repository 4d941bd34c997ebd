import { useQueryClient } from '@tanstack/react-query';
import { ProblemError, type Whoami, type Xenplane } from '@xenplane/sdk';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { clientFor } from '../api/client';

/**
 * The signed-in token, kept in sessionStorage (this tab only, gone when it closes; never in the
 * URL), with what GET /v1/whoami said of it and the project the console works in.
 */
const TOKEN_KEY = 'xenplane.token';
const WHOAMI_KEY = 'xenplane.whoami';
const PROJECT_KEY = 'xenplane.project';

export interface Session {
  token?: string;
  whoami?: Whoami;
  client?: Xenplane;
  /** the project pages work in: a project token's own, or the one a global token chose */
  projectId?: string;
  /** global operator/admin tokens: operator pages too */
  isOperator: boolean;
  /** why the last session ended when the user did not end it (the API stopped taking its token) */
  endedBecause?: string;
  signIn(token: string): Promise<Whoami>;
  signOut(reason?: string): void;
  setProject(id: string | undefined): void;
}

/** The API refused the token itself (revoked, expired): nothing this tab does with it will work. */
export const isTokenRefused = (err: unknown): err is ProblemError => err instanceof ProblemError && err.status === 401;

export const TOKEN_REFUSED = 'The API no longer accepts this token (revoked or expired). Sign in again.';

const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The session's client, for pages that are shown only when signed in. */
export function useClient(): Xenplane {
  const { client } = useSession();
  if (!client) throw new Error('not signed in');
  return client;
}

function read<T>(key: string): T | undefined {
  try {
    const raw = sessionStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [token, setToken] = useState<string | undefined>(() => read<string>(TOKEN_KEY));
  const [whoami, setWhoami] = useState<Whoami | undefined>(() => read<Whoami>(WHOAMI_KEY));
  const [chosen, setChosen] = useState<string | undefined>(() => read<string>(PROJECT_KEY));
  const [endedBecause, setEndedBecause] = useState<string>();

  const client = useMemo(() => (token ? clientFor(token) : undefined), [token]);

  const signIn = useCallback(
    async (candidate: string) => {
      const me = await clientFor(candidate).GET('/v1/whoami');
      sessionStorage.setItem(TOKEN_KEY, JSON.stringify(candidate));
      sessionStorage.setItem(WHOAMI_KEY, JSON.stringify(me));
      sessionStorage.removeItem(PROJECT_KEY);
      qc.clear(); // nothing read with another token is shown with this one
      setToken(candidate);
      setWhoami(me);
      setChosen(undefined);
      setEndedBecause(undefined);
      return me;
    },
    [qc],
  );

  const signOut = useCallback(
    (reason?: string) => {
      for (const k of [TOKEN_KEY, WHOAMI_KEY, PROJECT_KEY]) sessionStorage.removeItem(k);
      qc.clear();
      setToken(undefined);
      setWhoami(undefined);
      setChosen(undefined);
      setEndedBecause(reason);
    },
    [qc],
  );

  // any read or write the API answers with 401 ends the session, rather than leaving every page
  // showing its own refusal (a 403 is the token's role: that page's problem, shown there)
  useEffect(() => {
    if (!token) return;
    const onError = (err: unknown) => isTokenRefused(err) && signOut(TOKEN_REFUSED);
    const queries = qc.getQueryCache().subscribe((e) => {
      if (e.type === 'updated' && e.action.type === 'error') onError(e.action.error);
    });
    const mutations = qc.getMutationCache().subscribe((e) => {
      if (e.type === 'updated' && e.action.type === 'error') onError(e.action.error);
    });
    return () => {
      queries();
      mutations();
    };
  }, [qc, token, signOut]);

  const setProject = useCallback((id: string | undefined) => {
    if (id) sessionStorage.setItem(PROJECT_KEY, JSON.stringify(id));
    else sessionStorage.removeItem(PROJECT_KEY);
    setChosen(id);
  }, []);

  const value = useMemo<Session>(() => {
    const signedIn = token && whoami && client;
    return {
      ...(signedIn ? { token, whoami, client } : {}),
      ...((whoami?.projectId ?? chosen) ? { projectId: whoami?.projectId ?? chosen } : {}),
      isOperator: !!whoami?.global && (whoami.role === 'operator' || whoami.role === 'admin'),
      ...(endedBecause ? { endedBecause } : {}),
      signIn,
      signOut,
      setProject,
    };
  }, [token, whoami, client, chosen, endedBecause, signIn, signOut, setProject]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
