import { z } from 'zod';
import { boolVar, ConfigError, intVar, loadConfig } from './env';
import { controlPlaneEnv } from './shared';

describe('loadConfig', () => {
  const schema = z.object({ PORT: intVar(8080, 1, 65535), DEBUG: boolVar(false) });

  it('applies defaults', () => {
    expect(loadConfig(schema, {})).toEqual({ PORT: 8080, DEBUG: false });
  });

  it('coerces strings', () => {
    expect(loadConfig(schema, { PORT: '9000', DEBUG: 'yes' })).toEqual({ PORT: 9000, DEBUG: true });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig(schema, { PORT: '70000', DEBUG: 'maybe' })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { PORT: '70000' })).toThrow(/PORT/);
  });

  it('refuses a queue prefix that could break Redis keys', () => {
    expect(() => loadConfig(controlPlaneEnv, { XENPLANE_QUEUE_PREFIX: 'a b{c}' })).toThrow(/XENPLANE_QUEUE_PREFIX/);
  });
});
