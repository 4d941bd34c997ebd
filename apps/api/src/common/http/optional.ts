import { ValidateIf, type ValidationOptions } from 'class-validator';

/**
 * A field that may be left out, and is then not validated. Unlike class-validator's IsOptional,
 * which skips null as well, a null is validated like any other value and refused: a DTO field is
 * either absent (the default applies) or a value of its type, never null (a null used to reach
 * Prisma as "set this column to NULL" and fail there with a 500). Every DTO uses this one.
 */
export function Optional(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined, options);
}
