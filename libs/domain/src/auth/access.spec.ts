import { type AccessLevel, allows, type Caller, canSeeProject } from './access';

const project = (role: Caller['role']): Caller => ({ role, projectId: 'p1' });
const global = (role: Caller['role']): Caller => ({ role, projectId: null });

// every caller against every level a route may declare: a change in who may do what shows up here
const CALLERS: [string, Caller][] = [
  ['project viewer', project('viewer')],
  ['project member', project('member')],
  ['project admin', project('admin')],
  ['global operator', global('operator')],
  ['global admin', global('admin')],
];
const LEVELS: Exclude<AccessLevel, 'public' | 'enrollment'>[] = [
  'viewer',
  'member',
  'project-admin',
  'operator',
  'admin',
];
const EXPECTED: Record<string, string> = {
  //                 viewer member project-admin operator admin
  'project viewer': 'Y      -      -             -        -',
  'project member': 'Y      Y      -             -        -',
  'project admin': 'Y      Y      Y             -        -',
  'global operator': 'Y      -      -             Y        -',
  'global admin': 'Y      Y      Y             Y        Y',
};

describe('allows', () => {
  it.each(CALLERS)('%s', (name, caller) => {
    const want = EXPECTED[name]!.split(/\s+/).map((c) => c === 'Y');
    expect(LEVELS.map((level) => allows(level, caller))).toEqual(want);
  });
});

describe('canSeeProject', () => {
  it('shows a project token its own project, a global token every one', () => {
    expect(canSeeProject({ projectId: 'p1' }, 'p1')).toBe(true);
    expect(canSeeProject({ projectId: 'p1' }, 'p2')).toBe(false);
    expect(canSeeProject({ projectId: 'p1' }, null)).toBe(false);
    expect(canSeeProject({ projectId: null }, 'p2')).toBe(true);
    expect(canSeeProject({ projectId: null }, undefined)).toBe(true);
  });
});
