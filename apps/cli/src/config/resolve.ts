import type { ConfigFile } from './config-file';

export const DEFAULT_PROFILE = 'default';

export interface Target {
  url: string;
  token: string;
  /** the profile the URL or token came from, if any */
  profile?: string;
}

/** Why there is nothing to talk to (a usage error: `xp login` or the environment fixes it). */
export class NoTargetError extends Error {}

/** The profile a command uses: --profile, else XENPLANE_PROFILE, else `default`. */
export function profileName(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag || env['XENPLANE_PROFILE'] || DEFAULT_PROFILE;
}

/** Whether the environment alone says where and as whom (the config file need not be read). */
export function envIsEnough(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['XENPLANE_URL'] && env['XENPLANE_TOKEN']);
}

/** The API and token a command uses: XENPLANE_URL / XENPLANE_TOKEN over the profile's. */
export function resolveTarget(
  config: ConfigFile | undefined,
  name: string,
  env: NodeJS.ProcessEnv,
  explicitProfile: boolean,
): Target {
  const profile = config?.profiles[name];
  if (explicitProfile && !profile && !envIsEnough(env))
    throw new NoTargetError(`no profile "${name}": run xp login --profile ${name}`);
  const url = env['XENPLANE_URL'] || profile?.url;
  const token = env['XENPLANE_TOKEN'] || profile?.token;
  if (!url || !token)
    throw new NoTargetError(
      `no ${url ? 'token' : 'API URL'}: run xp login --url URL --token TOKEN, or set XENPLANE_URL and XENPLANE_TOKEN`,
    );
  return { url, token, ...(profile ? { profile: name } : {}) };
}
