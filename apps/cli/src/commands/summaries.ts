/**
 * The top-level commands' one-line summaries: `xp --help` lists them without loading the
 * commands' modules, and each module describes its command with the same words.
 */
export const SUMMARIES = {
  login: 'check a token with the API and keep it in a profile (config file mode 0600)',
  logout: 'forget the profile (its token stays valid: `xp token revoke` ends it)',
  whoami: 'the API, profile and token in use (never the token itself)',
  vm: 'virtual machines: create, list, act on, wait for, reach',
  op: 'operations: what the control plane is doing',
  events: 'follow the event stream: a line per event',
  host: 'hosts (operators): list, show, maintenance, enable, declare dead',
  pool: 'pools (operators): list, HA state',
  placement: 'placement (operators): dry runs',
  token: "API tokens: a project's, or global (admins)",
  project: 'projects (tenants) and their quotas',
  audit: 'the audit trail (admins): who changed what, newest first',
  flavor: 'flavors: the sizes a VM comes in',
  image: 'images: what a VM boots',
  completion: 'print a shell completion script: source <(xp completion bash)',
} as const;

export type TopLevel = keyof typeof SUMMARIES;
