// Pure execution-provider planning: which providers to try, in what order, given what exists.
import { z } from 'zod';

export const PROVIDER_NAMES = ['tensorrt', 'cuda', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const tensorrtOptionsSchema = z.strictObject({
  name: z.literal('tensorrt'),
  deviceId: z.int().min(0).default(0),
  int8: z.boolean().default(false),
  fp16: z.boolean().default(false),
  /** Where TensorRT keeps built engines, so a restart does not rebuild them (minutes on a Jetson). */
  engineCachePath: z.string().min(1).optional(),
});
export const cudaOptionsSchema = z.strictObject({
  name: z.literal('cuda'),
  deviceId: z.int().min(0).default(0),
});
export const cpuOptionsSchema = z.strictObject({ name: z.literal('cpu') });

export type ProviderConfig =
  | z.output<typeof tensorrtOptionsSchema>
  | z.output<typeof cudaOptionsSchema>
  | z.output<typeof cpuOptionsSchema>;

const providerSchema = z.union([
  z.enum(PROVIDER_NAMES).transform((name): ProviderConfig => defaultProvider(name)),
  z.discriminatedUnion('name', [tensorrtOptionsSchema, cudaOptionsSchema, cpuOptionsSchema]),
]);

export const sessionConfigSchema = z.strictObject({
  providers: z
    .array(providerSchema)
    .min(1)
    .default([{ name: 'cpu' }]),
  intraOpThreads: z.int().min(0).optional(),
  interOpThreads: z.int().min(0).optional(),
  graphOptimizationLevel: z.enum(['disabled', 'basic', 'extended', 'all']).default('all'),
});

export type SessionConfigInput = z.input<typeof sessionConfigSchema>;
export type SessionConfig = z.output<typeof sessionConfigSchema>;

/** Where each provider falls back to when it is missing. */
const FALLBACK: Readonly<Record<ProviderName, readonly ProviderName[]>> = {
  tensorrt: ['cuda', 'cpu'],
  cuda: ['cpu'],
  cpu: [],
};

export interface ProviderPlan {
  /** Providers to create the session with, best first. */
  use: ProviderConfig[];
  /** Requested (or implied fallback) providers that this runtime cannot load. */
  missing: ProviderName[];
}

/**
 * The requested providers followed by their fallbacks (tensorrt → cuda → cpu), keeping only the
 * available ones. CPU is always the last resort, so the plan is never empty.
 */
export function planProviders(
  requested: readonly ProviderConfig[],
  available: ReadonlySet<string>,
): ProviderPlan {
  const chain: ProviderConfig[] = [];
  const seen = new Set<string>();
  const add = (p: ProviderConfig) => {
    if (!seen.has(p.name)) {
      seen.add(p.name);
      chain.push(p);
    }
  };
  for (const p of requested) add(p);
  for (const p of requested) for (const f of FALLBACK[p.name]) add(defaultProvider(f));
  add({ name: 'cpu' });
  const use = chain.filter((p) => available.has(p.name));
  const missing = chain.filter((p) => !available.has(p.name)).map((p) => p.name);
  if (use.length === 0) use.push({ name: 'cpu' });
  return { use, missing };
}

function defaultProvider(name: ProviderName): ProviderConfig {
  if (name === 'tensorrt') return tensorrtOptionsSchema.parse({ name });
  if (name === 'cuda') return cudaOptionsSchema.parse({ name });
  return { name };
}

/** The one warning text for a fallback: what was asked, what is missing or failed, what runs instead. */
export function fallbackMessage(
  requested: readonly ProviderConfig[],
  plan: ProviderPlan,
  failed: readonly { name: string; error: string }[] = [],
): string {
  const asked = requested.map((p) => p.name).join(', ');
  const using = plan.use.map((p) => p.name).join(', ');
  const parts: string[] = [];
  if (plan.missing.length > 0) {
    parts.push(
      `execution provider(s) ${plan.missing.join(', ')} not available in this onnxruntime-node build`,
    );
  }
  for (const f of failed) parts.push(`${f.name} failed to start (${f.error})`);
  return `${parts.join('; ')}; requested [${asked}], running on [${using}]`;
}
