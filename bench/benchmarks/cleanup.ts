// Cleanup throughput (detections/s) on 100k synthetic detections, two shapes:
// - spread: 1 000 frames × 100 boxes, one cleanDetections call per frame (how the hub calls it),
//   against a plain pass that copies every detection (object and box), the floor for any pass
//   that returns new objects;
// - dense: all 100k boxes in one 1920×1080 frame, one call, against the shared class-aware
//   nmsIndices on the same boxes already in flat arrays (the cost cleanup cannot avoid).
// Boxes, scores and labels come from a seeded generator, so every run sees the same input.
import { cleanDetections } from '@pretag/cloud-hub/cleanup/clean';
import type { CleanupRules } from '@pretag/cloud-hub/cleanup/rules';
import { mulberry32 } from '@pretag/shared/random/prng';
import { nmsIndices } from '@pretag/shared/detection/nms';
import type { Detection } from '@pretag/shared/detection/types';
import type { BenchCase, Benchmark, Measure } from '../lib/types.ts';

const TOTAL = 100_000;
const WIDTH = 1920;
const HEIGHT = 1080;
const LABELS = ['person', 'car', 'truck', 'bicycle', 'motorcycle', 'dog', 'chair', 'bus'];

/** hub.example.yaml's cleanup defaults plus a dock-door mask: every check has work to do. */
const RULES: CleanupRules = {
  classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'],
  rename: { motorcycle: 'motorbike' },
  minScore: 0.3,
  classMinScore: { person: 0.4 },
  minArea: { pixels: 100 },
  maxArea: { fraction: 0.9 },
  aspectRatio: { min: 0.05, max: 20 },
  masks: [
    [0, 0, 0.2, 0, 0.2, 0.1, 0, 0.1],
    [0.6, 0.7, 1, 0.7, 1, 1, 0.6, 1],
  ],
  maskAnchor: 'bottom-centre',
  nmsIou: 0.5,
  duplicateIou: 0.9,
  clip: true,
};

/** Objects with a few jittered proposals each, like a detector's output before its own NMS. */
function frameDetections(random: () => number, count: number): Detection[] {
  const out: Detection[] = [];
  while (out.length < count) {
    const w = 8 + random() * 200;
    const h = 8 + random() * 200;
    const x = random() * WIDTH - 20;
    const y = random() * HEIGHT - 20;
    const label = LABELS[Math.floor(random() * LABELS.length)] as string;
    const proposals = 1 + Math.floor(random() * 4);
    for (let k = 0; k < proposals && out.length < count; k++) {
      const j = () => (random() - 0.5) * 0.1;
      // Now and then the same object comes back under a neighbouring class.
      const l = random() < 0.1 ? (LABELS[Math.floor(random() * LABELS.length)] as string) : label;
      out.push({
        label: l,
        score: random(),
        box: [x + j() * w, y + j() * h, x + w + j() * w, y + h + j() * h],
      });
    }
  }
  return out;
}

function perSecond(label: string, count: number, fn: () => number): Measure {
  return {
    label,
    run() {
      const t0 = performance.now();
      const seen = fn();
      const seconds = (performance.now() - t0) / 1000;
      if (seen !== count)
        throw new Error(`${label}: handled ${seen} detections, expected ${count}`);
      return Promise.resolve(count / seconds);
    },
  };
}

export const cleanup: Benchmark = {
  name: 'cleanup',
  description: 'detections/s of cleanDetections on 100k boxes vs a copy pass and vs raw NMS',
  media: [],
  cases(): Promise<BenchCase[]> {
    const random = mulberry32(20261127);
    const frames = Array.from({ length: TOTAL / 100 }, () => frameDetections(random, 100));
    const dense = frameDetections(random, TOTAL);
    const frame = { width: WIDTH, height: HEIGHT };

    const cleanFrames = () => {
      let n = 0;
      for (const f of frames) {
        const r = cleanDetections(f, RULES, frame);
        n += r.kept.length + Object.values(r.dropped).reduce((a, b) => a + b, 0);
      }
      return n;
    };
    const copyFrames = () => {
      let n = 0;
      for (const f of frames) {
        const copy = f.map((d): Detection => ({ label: d.label, score: d.score, box: [...d.box] }));
        n += copy.length;
      }
      return n;
    };
    const cleanDense = () => {
      const r = cleanDetections(dense, RULES, frame);
      return r.kept.length + Object.values(r.dropped).reduce((a, b) => a + b, 0);
    };
    const boxes = new Float64Array(TOTAL * 4);
    const scores = new Float64Array(TOTAL);
    const classes = new Int32Array(TOTAL);
    dense.forEach((d, i) => {
      boxes.set(d.box, i * 4);
      scores[i] = d.score;
      classes[i] = LABELS.indexOf(d.label);
    });
    const rawNms = () => {
      nmsIndices({ boxes, scores, classes }, { iouThreshold: RULES.nmsIou, classAware: true });
      return TOTAL;
    };
    // Warm the JIT once so the first repeat is not a compile benchmark.
    cleanFrames();
    copyFrames();
    cleanDense();
    rawNms();

    return Promise.resolve([
      {
        name: '1000 frames x 100 boxes',
        unit: 'detections/s',
        baseline: perSecond('copy every detection (object + box)', TOTAL, copyFrames),
        subject: perSecond(
          'cleanDetections per frame, hub.example rules + 2 masks',
          TOTAL,
          cleanFrames,
        ),
      },
      {
        name: '100k boxes in one 1080p frame',
        unit: 'detections/s',
        baseline: perSecond('shared nmsIndices class-aware 0.5, flat arrays', TOTAL, rawNms),
        subject: perSecond('cleanDetections, one call, same rules', TOTAL, cleanDense),
      },
    ]);
  },
};
