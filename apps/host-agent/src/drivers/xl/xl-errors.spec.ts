import { status as Status } from '@grpc/grpc-js';
import { AgentError, type AgentErrorCode } from '../../errors';
import { xlFailure } from './xl-errors';

const failed = (stderr: string, code = 1, stdout = '') => ({ code, stdout, stderr });
const NAME = 'xp-6f1c2a3e-0b4d-4e5f-8a9b-0c1d2e3f4a5b';

describe('xlFailure', () => {
  const cases: [AgentErrorCode, string][] = [
    ['not_found', 'libxl: error: libxl_domain.c:1575:libxl_domain_info: Invalid domain identifier'],
    ['not_found', `${NAME} is an invalid domain identifier (rc=-6)`],
    ['not_found', `libxl: error: cannot find domain ${NAME}`],
    ['not_found', `Domain ${NAME} does not exist.`],
    ['not_found', 'xl: no such domain'],
    ['resource_exhausted', 'Parsing config from /var/lib/xenplane/configs/a.cfg\nfailed to free memory for the domain'],
    [
      'resource_exhausted',
      "xc: error: panic: xc_dom_boot.c:121: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory",
    ],
    ['resource_exhausted', 'libxl: error: libxl_create.c:1339: not enough memory to build the domain'],
    [
      'already_exists',
      `libxl: error: libxl_create.c:669:libxl__domain_make: domain with name "${NAME}" already exists`,
    ],
    ['invalid_argument', 'Failed to parse config: syntax error'],
    [
      'invalid_argument',
      '/var/lib/xenplane/configs/a.cfg:4: config parsing error near `"\': syntax error, unexpected IDENT',
    ],
    ['invalid_argument', 'Parsing config from /c.cfg\nInvalid disk spec "xvda,,w"'],
    ['invalid_argument', 'Parsing config from /c.cfg\nUnknown type "pvx" in config'],
    [
      'deadline_exceeded',
      'libxl: error: libxl_device.c:1187:device_backend_callback: Domain 5:unable to add device: timed out',
    ],
    ['deadline_exceeded', 'libxl: error: libxl_aoutils.c:90: watch timeout waiting for the backend'],
    ['failed_precondition', 'libxl: error: libxl_create.c:612: this guest requires hvm support, which this host lacks'],
    ['failed_precondition', 'libxl: error: libxl_create.c:640: HVM guest support is not available'],
    ['failed_precondition', 'libxl: error: libxl_x86.c:512: HAP requested but not available'],
    [
      'failed_precondition',
      'libxl: error: libxl_create.c:701: nested virtualisation is not supported by the hypervisor',
    ],
    ['internal', 'libxl: error: libxl_exec.c:117: the device model exited with status 139'],
    ['internal', ''],
  ];

  it.each(cases)('maps to %s: %j', (code, stderr) => {
    const err = xlFailure(['create', '/tmp/a.cfg'], failed(stderr));
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe(code);
  });

  it('reads stdout as well as stderr', () => {
    expect(xlFailure(['destroy', NAME], failed('', 1, `${NAME} is an invalid domain identifier (rc=-6)`)).code).toBe(
      'not_found',
    );
  });

  it('maps a known text anywhere in the output, not only on the last line', () => {
    const stderr = [
      'Parsing config from /c.cfg',
      'failed to free memory for the domain',
      'libxl: error: cleanup: Domain 3:Destruction of domain failed',
    ].join('\n');
    expect(xlFailure(['create', '/c.cfg'], failed(stderr)).code).toBe('resource_exhausted');
  });

  it('names the subcommand and the exit code', () => {
    expect(xlFailure(['shutdown', '-w', NAME], failed('boom', 3)).message).toBe('xl shutdown failed (exit 3): boom');
  });

  it("keeps xl's last six non-empty lines, stderr then stdout, joined by |", () => {
    const stderr = ['one', 'two', '', 'three', 'four', '  ', 'five', 'six'].join('\n');
    const err = xlFailure(['create', '/c.cfg'], failed(stderr, 1, 'seven\n'));
    expect(err.message).toBe('xl create failed (exit 1): two | three | four | five | six | seven');
  });

  it('says "no output" when xl printed nothing', () => {
    expect(xlFailure(['list'], failed('', 137)).message).toBe('xl list failed (exit 137): no output');
  });

  it('carries the gRPC status of its code', () => {
    expect(xlFailure(['create', '/c.cfg'], failed('failed to free memory for the domain')).grpcStatus).toBe(
      Status.RESOURCE_EXHAUSTED,
    );
  });
});
