import { type BuildFailure, recoverFromBuildFailure } from './build-failure';

describe('recoverFromBuildFailure', () => {
  const at = (failure: BuildFailure, hostLive: boolean, hostsTried = 1, maxHosts = 3) =>
    recoverFromBuildFailure({ failure, hostLive, hostsTried, maxHosts });

  it('moves the VM to another host when its host refuses or cannot be reached, alive or not', () => {
    for (const live of [true, false]) {
      expect(at('refused', live)).toBe('elsewhere');
      expect(at('unreachable', live)).toBe('elsewhere');
    }
  });

  it('asks a slow host again while it answers heartbeats, and gives up on one that went silent', () => {
    expect(at('timeout', true)).toBe('again');
    expect(at('timeout', false)).toBe('elsewhere');
    expect(at('other', false)).toBe('again');
  });

  it('tries each host once, up to the limit', () => {
    expect(at('unreachable', true, 2, 3)).toBe('elsewhere');
    expect(at('unreachable', false, 3, 3)).toBe('give-up');
    // every host spent, the last one unreachable but heard from a moment ago (an agent restarting): asked again
    expect(at('unreachable', true, 3, 3)).toBe('again');
    expect(at('refused', true, 3, 3)).toBe('give-up');
    expect(at('timeout', false, 3, 3)).toBe('give-up');
    // a slow host that still answers is not a host "tried": the operation's attempts bound it
    expect(at('timeout', true, 3, 3)).toBe('again');
  });
});
