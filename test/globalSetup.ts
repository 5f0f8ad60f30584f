// Vitest global setup: build the packaged models (models/build) before any test, so that
// `npm test` works on a fresh clone. Unchanged models are skipped, so this is quick when they
// are up to date; a fresh build skips the VOC100 measurements, which `pretag models build` adds.
// The INT8 edge model (nanodet.int8.onnx) is built too when calibration media is present
// (../shared/media/video or PRETAG_CALIBRATION); else the tests that need it skip and say why.
import { performance } from 'node:perf_hooks';
import { buildPackagedModels } from '../models/src/build/command.ts';
import { defaultModelsDir } from '../models/src/build/paths.ts';
import { int8StatusSchema } from '../models/src/int8/settings.ts';

export async function setup(): Promise<void> {
  const t0 = performance.now();
  const outDir = defaultModelsDir();
  const results = await buildPackagedModels({ outDir, measure: false });
  const names = (status: string) => results.filter((r) => r.status === status).map((r) => r.name);
  const built = names('built');
  const failed = results.flatMap((r) => (r.status === 'failed' ? [`${r.name}: ${r.error}`] : []));
  const nanodet = results.find((r) => r.name === 'nanodet');
  const int8 = int8StatusSchema.safeParse(
    nanodet && 'card' in nanodet ? nanodet.card.measurements.int8 : undefined,
  );
  const int8Note =
    int8.success && int8.data.status === 'skipped' ? `INT8 skipped: ${int8.data.reason}` : '';
  const parts = [
    built.length ? `built ${built.join(', ')}` : '',
    names('up-to-date').length ? `${names('up-to-date').length} up to date` : '',
    failed.length ? `FAILED ${failed.join('; ')}` : '',
    int8Note,
  ].filter(Boolean);
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  // Not thrown: tests that need a model fail with their own message; the rest still run.
  console.log(`packaged models: ${parts.join(', ')} in ${outDir} (${secs} s)`);
}
