import { sshArgs } from './vm';

describe('xp vm ssh', () => {
  it('gives ssh its options, then the address, then the remote command, as an argument array', () => {
    expect(
      sshArgs('10.0.0.7', ['uname', '-a'], {
        login: 'ci',
        identity: '/keys/id_ed25519',
        sshOption: ['StrictHostKeyChecking=no', 'BatchMode=yes'],
      }),
    ).toEqual([
      '-i',
      '/keys/id_ed25519',
      '-l',
      'ci',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'BatchMode=yes',
      '10.0.0.7',
      'uname',
      '-a',
    ]);
    expect(sshArgs('10.0.0.7', [], {})).toEqual(['10.0.0.7']);
  });
});
