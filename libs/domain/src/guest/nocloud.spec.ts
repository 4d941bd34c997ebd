import { noCloudFiles, noCloudMetaData, noCloudNetworkConfig, userDataRefusal, USER_DATA_MAX_BYTES } from './nocloud';
import { quote, toYaml } from './yaml';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINiqwxncYm3IIQv2wTbF8Dg/PkGhR5whU/SSNi3EZnfJ alice@laptop';
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

describe('the NoCloud config drive', () => {
  const base = {
    instanceId: '6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10',
    hostname: 'ci-runner-1',
    sshKeys: [KEY],
    userData: Buffer.from('#cloud-config\npackages: [git]\n'),
    interfaces: [],
  };

  it('holds meta-data and user-data, no network-config without interfaces', () => {
    const files = noCloudFiles(base);
    expect(files.map((f) => f.name)).toEqual(['meta-data', 'user-data']);
    expect(text(files[0]!.data)).toBe(
      [
        'instance-id: "6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10"',
        'local-hostname: "ci-runner-1"',
        'public-keys:',
        `  - "${KEY}"`,
        '',
      ].join('\n'),
    );
    // user-data passes through byte for byte, whatever it is
    expect(Buffer.from(files[1]!.data).equals(base.userData)).toBe(true);
  });

  it('writes an empty user-data and no public-keys when there are none (NoCloud needs the file)', () => {
    const files = noCloudFiles({ ...base, sshKeys: [], userData: new Uint8Array() });
    expect(files.map((f) => [f.name, text(f.data)])).toEqual([
      ['meta-data', 'instance-id: "6f1c1e9a-2b1d-4c1e-9a6b-0d4f7a3c2e10"\nlocal-hostname: "ci-runner-1"\n'],
      ['user-data', ''],
    ]);
  });

  it('writes network-config v2 with each interface matched by MAC, static or DHCP', () => {
    const files = noCloudFiles({
      ...base,
      interfaces: [
        {
          mac: '00:16:3E:0A:0B:0C',
          addresses: ['10.0.0.5/24'],
          gateway: '10.0.0.1',
          nameservers: ['10.0.0.2', '1.1.1.1'],
        },
        { mac: '00:16:3e:0a:0b:0d', addresses: [], gateway: '', nameservers: [] },
      ],
    });
    expect(files.map((f) => f.name)).toEqual(['meta-data', 'user-data', 'network-config']);
    expect(text(files[2]!.data)).toBe(
      [
        'version: 2',
        'ethernets:',
        '  eth0:',
        '    match:',
        '      macaddress: "00:16:3e:0a:0b:0c"',
        '    set-name: "eth0"',
        '    addresses:',
        '      - "10.0.0.5/24"',
        '    routes:',
        '      - to: "default"',
        '        via: "10.0.0.1"',
        '    nameservers:',
        '      addresses:',
        '        - "10.0.0.2"',
        '        - "1.1.1.1"',
        '  eth1:',
        '    match:',
        '      macaddress: "00:16:3e:0a:0b:0d"',
        '    set-name: "eth1"',
        '    dhcp4: true',
        '',
      ].join('\n'),
    );
    expect(noCloudNetworkConfig([])).toBeUndefined();
  });

  it('keeps hostile values inside their scalars: no new key, no new line, no other type', () => {
    const meta = noCloudMetaData({
      instanceId: 'yes',
      hostname: 'x"\nadmin: true\\',
      sshKeys: ['a: b', 'ключ \u2028 😀'],
    });
    expect(meta.split('\n')).toEqual([
      'instance-id: "yes"',
      'local-hostname: "x\\"\\u000aadmin: true\\\\"',
      'public-keys:',
      '  - "a: b"',
      '  - "\\u043a\\u043b\\u044e\\u0447 \\u2028 \\U0001f600"',
      '',
    ]);
  });
});

describe('toYaml', () => {
  it('writes nested maps and lists in block style, empty ones in flow style', () => {
    expect(toYaml({ a: 1, b: false, c: [], d: {}, e: [{ f: 'g', h: ['i'] }, 'j'], 'k k': 'l' })).toBe(
      [
        'a: 1',
        'b: false',
        'c: []',
        'd: {}',
        'e:',
        '  - f: "g"',
        '    h:',
        '      - "i"',
        '  - "j"',
        '"k k": "l"',
        '',
      ].join('\n'),
    );
  });

  it('quotes every string, so none reads back as a number, boolean or null', () => {
    expect(['1e3', 'no', 'null', '~', '', '#x'].map(quote)).toEqual(['"1e3"', '"no"', '"null"', '"~"', '""', '"#x"']);
    expect(() => toYaml({ n: Number.NaN })).toThrow('finite');
  });
});

describe('userDataRefusal', () => {
  it('counts UTF-8 bytes, not characters: 64 KiB at most', () => {
    expect(userDataRefusal('a'.repeat(USER_DATA_MAX_BYTES))).toBeUndefined();
    expect(userDataRefusal('a'.repeat(USER_DATA_MAX_BYTES + 1))).toBe(
      `must be at most 65536 bytes (UTF-8); this is 65537 bytes`,
    );
    // 32,769 two-byte characters: within 65,536 characters, over 65,536 bytes
    expect(userDataRefusal('é'.repeat(32_769))).toBe('must be at most 65536 bytes (UTF-8); this is 65538 bytes');
  });
});
