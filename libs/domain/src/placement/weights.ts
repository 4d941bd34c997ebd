import { z } from 'zod';

const resourceWeight = z
  .object({
    mode: z.enum(['spread', 'pack']),
    weight: z.number().min(0).max(100),
  })
  .strict();

/**
 * A pool's weigher settings (PATCH /v1/pools/:id placementWeights). Per resource: spread
 * (prefer the emptiest host) or pack (prefer the fullest that fits), with a weight; and the
 * weights of the soft server-group policies.
 */
export const placementWeightsSchema = z
  .object({
    vcpus: resourceWeight.optional(),
    memoryMb: resourceWeight.optional(),
    diskGb: resourceWeight.optional(),
    softAffinity: z.number().min(0).max(1000).optional(),
    softAntiAffinity: z.number().min(0).max(1000).optional(),
  })
  .strict();

export type PlacementWeightsInput = z.infer<typeof placementWeightsSchema>;

export interface PlacementWeights {
  vcpus: { mode: 'spread' | 'pack'; weight: number };
  memoryMb: { mode: 'spread' | 'pack'; weight: number };
  diskGb: { mode: 'spread' | 'pack'; weight: number };
  softAffinity: number;
  softAntiAffinity: number;
}

/** Spread by memory first, then vCPUs; soft group policies outweigh any resource preference. */
export const DEFAULT_WEIGHTS: PlacementWeights = {
  vcpus: { mode: 'spread', weight: 0.5 },
  memoryMb: { mode: 'spread', weight: 1 },
  diskGb: { mode: 'spread', weight: 0.1 },
  softAffinity: 10,
  softAntiAffinity: 10,
};

/** Stored settings over the defaults; anything unreadable falls back to the defaults. */
export function resolveWeights(stored: unknown): PlacementWeights {
  const parsed = placementWeightsSchema.safeParse(stored ?? {});
  const w = parsed.success ? parsed.data : {};
  return {
    vcpus: w.vcpus ?? DEFAULT_WEIGHTS.vcpus,
    memoryMb: w.memoryMb ?? DEFAULT_WEIGHTS.memoryMb,
    diskGb: w.diskGb ?? DEFAULT_WEIGHTS.diskGb,
    softAffinity: w.softAffinity ?? DEFAULT_WEIGHTS.softAffinity,
    softAntiAffinity: w.softAntiAffinity ?? DEFAULT_WEIGHTS.softAntiAffinity,
  };
}
