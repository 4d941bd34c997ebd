import { registerDecorator, type ValidationOptions } from 'class-validator';

const MAX_KEYS = 64;
const KEY = /^[A-Za-z0-9._/-]{1,64}$/;
const MAX_VALUE = 256;

/** A flat object of short string keys to short string values (VM metadata). */
export function IsStringMap(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: target.constructor,
      propertyName,
      options: {
        message: `must be an object of at most ${MAX_KEYS} keys (${KEY.source}) to strings of at most ${MAX_VALUE} characters`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return (
            entries.length <= MAX_KEYS &&
            entries.every(([k, v]) => KEY.test(k) && typeof v === 'string' && v.length <= MAX_VALUE)
          );
        },
      },
    });
}
