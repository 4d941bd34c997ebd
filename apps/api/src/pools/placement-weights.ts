import { placementWeightsSchema } from '@xenplane/domain';
import { ApiError } from '../common/errors/api-errors';

/** Pool weigher settings are checked by the placement engine's own schema before they are stored. */
export function validatePlacementWeights(raw: Record<string, unknown> | undefined): Record<string, unknown> {
  if (raw === undefined) return {};
  const parsed = placementWeightsSchema.safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({
      field: ['placementWeights', ...i.path].join('.'),
      message: i.message,
    }));
    throw new ApiError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
  }
  return parsed.data;
}
