// The end-of-demo table: per camera, what the edge sampled/gated/inferred/uploaded (from the
// report JSON), the cloud detections kept, and the annotation cost without/with pre-tagging. Pure.

export interface ReportRowLike {
  camera: string;
  report: {
    frames: { sampled: number; gated: number; inferred: number; uploaded: number };
    detections: { after: number };
    annotation: { withoutPretag: { usd: number }; withPretag: { usd: number } };
  };
}

function pct(a: number, b: number): string {
  return b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '-';
}

const usd = (v: number) => `$${v.toFixed(2)}`;

/** Rows of the same camera (several days) are summed. */
export function summaryTable(rows: readonly ReportRowLike[]): string {
  const byCamera = new Map<string, number[]>();
  for (const r of rows) {
    const f = r.report.frames;
    const a = r.report.annotation;
    const v = [
      f.sampled,
      f.gated,
      f.inferred,
      f.uploaded,
      r.report.detections.after,
      a.withoutPretag.usd,
      a.withPretag.usd,
    ];
    const prev = byCamera.get(r.camera);
    byCamera.set(r.camera, prev ? prev.map((x, i) => x + (v[i] ?? 0)) : v);
  }
  const head = ['CAMERA', 'SAMPLED', 'GATED', 'INFERRED', 'UPLOADED', 'UPLOAD %', 'KEPT BOXES'];
  const table = [
    [...head, 'COST WITHOUT', 'COST WITH'],
    ...[...byCamera].map(([camera, v]) => {
      const [sampled = 0, gated = 0, inferred = 0, uploaded = 0, kept = 0, without = 0, withP = 0] =
        v;
      return [
        camera,
        String(sampled),
        String(gated),
        String(inferred),
        String(uploaded),
        pct(uploaded, sampled),
        String(kept),
        usd(without),
        usd(withP),
      ];
    }),
  ];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? [];
  return table
    .map((r) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}
