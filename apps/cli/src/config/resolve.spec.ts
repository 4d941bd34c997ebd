import { NoTargetError, profileName, resolveTarget } from './resolve';

describe('which API and token a command uses', () => {
  const config = {
    profiles: {
      default: { url: 'https://xp.example', token: 'xp_default' },
      lab: { url: 'http://lab:8080', token: 'xp_lab' },
    },
  };

  it('picks --profile, then XENPLANE_PROFILE, then default', () => {
    expect(profileName('lab', { XENPLANE_PROFILE: 'other' })).toBe('lab');
    expect(profileName(undefined, { XENPLANE_PROFILE: 'other' })).toBe('other');
    expect(profileName(undefined, {})).toBe('default');
  });

  it("uses the profile's URL and token", () => {
    expect(resolveTarget(config, 'lab', {}, true)).toEqual({ url: 'http://lab:8080', token: 'xp_lab', profile: 'lab' });
  });

  it('lets XENPLANE_URL and XENPLANE_TOKEN override the profile, each on its own', () => {
    expect(resolveTarget(config, 'default', { XENPLANE_TOKEN: 'xp_env' }, false)).toEqual({
      url: 'https://xp.example',
      token: 'xp_env',
      profile: 'default',
    });
    expect(resolveTarget(undefined, 'default', { XENPLANE_URL: 'http://e', XENPLANE_TOKEN: 't' }, false)).toEqual({
      url: 'http://e',
      token: 't',
    });
  });

  it('says what to do when there is nothing to talk to', () => {
    expect(() => resolveTarget({ profiles: {} }, 'default', {}, false)).toThrow(/run xp login/);
    expect(() => resolveTarget({ profiles: {} }, 'default', { XENPLANE_URL: 'http://e' }, false)).toThrow(/^no token/);
  });

  it('refuses a profile named but not there, rather than use another', () => {
    expect(() => resolveTarget(config, 'prod', {}, true)).toThrow(NoTargetError);
    expect(() => resolveTarget(config, 'prod', {}, true)).toThrow('no profile "prod"');
  });
});
