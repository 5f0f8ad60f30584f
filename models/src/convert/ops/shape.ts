// Shape and layout ops. Their shape-like inputs must be constant (after folding), and become
// int64 initializers or attributes as ONNX requires.
import { attrInt, attrInts } from '../../tfjs/attrs.ts';
import { onnx } from '../../onnx/proto.ts';
import { makeTensor, toNumbers } from '../../tfjs/tensor.ts';
import { opError, type OpContext, type OpHandler } from '../context.ts';

function int64(ctx: OpContext, hint: string, values: readonly number[]): string {
  return ctx.b.initializer(ctx.hint(hint), makeTensor('int64', [values.length], values));
}

/** Input i as int64: a constant becomes an initializer, a run-time tensor gets a Cast. */
function int64Input(ctx: OpContext, i: number, hint: string): string {
  if (ctx.isConst(i)) return int64(ctx, hint, toNumbers(ctx.constValue(i)));
  return ctx.b.op('Cast', [ctx.input(i)], ctx.hint(hint), {
    to: { i: onnx.TensorProto.DataType.INT64 },
  });
}

// ONNX Slice clamps out-of-range bounds; int32 max also fits the Int32Array storage.
const BOUND_MAX = 2 ** 31 - 1;

// Begin/end/stride per axis with the TF masks; shrink_axis becomes a Squeeze afterwards.
const stridedSlice: OpHandler = (ctx) => {
  const { node, b } = ctx;
  const begin = toNumbers(ctx.constValue(1));
  const end = toNumbers(ctx.constValue(2));
  const step = toNumbers(ctx.constValue(3));
  if (attrInt(node, 'ellipsis_mask', 0) || attrInt(node, 'new_axis_mask', 0))
    throw opError(node, 'ellipsis_mask and new_axis_mask are not supported');
  const beginMask = attrInt(node, 'begin_mask', 0);
  const endMask = attrInt(node, 'end_mask', 0);
  const shrinkMask = attrInt(node, 'shrink_axis_mask', 0);
  const starts: number[] = [];
  const ends: number[] = [];
  const shrink: number[] = [];
  begin.forEach((b0, d) => {
    const s = step[d] ?? 1;
    const bit = 1 << d;
    if (shrinkMask & bit) {
      starts.push(b0);
      ends.push(b0 === -1 ? BOUND_MAX : b0 + 1);
      shrink.push(d);
      return;
    }
    starts.push(beginMask & bit ? (s > 0 ? 0 : BOUND_MAX) : b0);
    ends.push(endMask & bit ? (s > 0 ? BOUND_MAX : -BOUND_MAX) : (end[d] ?? 0));
  });
  const axes = begin.map((_, d) => d);
  const steps = begin.map((_, d) => (shrink.includes(d) ? 1 : (step[d] ?? 1)));
  const inputs = [
    ctx.input(0),
    int64(ctx, 'starts', starts),
    int64(ctx, 'ends', ends),
    int64(ctx, 'axes', axes),
    int64(ctx, 'steps', steps),
  ];
  if (!shrink.length) return void b.node('Slice', inputs, [ctx.output()]);
  const sliced = b.op('Slice', inputs, ctx.hint('slice'));
  b.node('Squeeze', [sliced, int64(ctx, 'squeeze', shrink)], [ctx.output()]);
};

function padHandler(withValue: boolean): OpHandler {
  return (ctx) => {
    const p = ctx.constValue(1);
    const rank = p.shape[0] ?? 0;
    const v = toNumbers(p);
    // TF [[b0, e0], [b1, e1], ...] → ONNX [b0, b1, ..., e0, e1, ...]
    const pads = [
      ...Array.from({ length: rank }, (_, d) => v[2 * d] ?? 0),
      ...Array.from({ length: rank }, (_, d) => v[2 * d + 1] ?? 0),
    ];
    const inputs = [ctx.input(0), int64(ctx, 'pads', pads)];
    if (withValue) inputs.push(ctx.input(2));
    ctx.b.node('Pad', inputs, [ctx.output()], { mode: { s: 'constant' } });
  };
}

function splitHandler(sizesInput: boolean): OpHandler {
  return (ctx) => {
    const { node } = ctx;
    const n = attrInt(node, 'num_split');
    const outputs = Array.from({ length: n }, (_, k) => ctx.output(k));
    if (!sizesInput) {
      // Split(axis, value): equal parts.
      const axis = toNumbers(ctx.constValue(0))[0] ?? 0;
      return void ctx.b.node('Split', [ctx.input(1)], outputs, { axis: { i: axis } });
    }
    const sizes = toNumbers(ctx.constValue(1));
    if (sizes.some((s) => s < 0)) throw opError(node, 'size_splits with -1 is not supported');
    const axis = toNumbers(ctx.constValue(2))[0] ?? 0;
    ctx.b.node('Split', [ctx.input(0), int64(ctx, 'split', sizes)], outputs, { axis: { i: axis } });
  };
}

export const shapeHandlers: Record<string, OpHandler> = {
  Reshape: (ctx) =>
    ctx.b.node('Reshape', [ctx.input(0), int64Input(ctx, 1, 'shape')], [ctx.output()]),
  ExpandDims: (ctx) =>
    ctx.b.node(
      'Unsqueeze',
      [ctx.input(0), int64(ctx, 'axes', toNumbers(ctx.constValue(1)))],
      [ctx.output()],
    ),
  Squeeze: (ctx) => {
    const dims = attrInts(ctx.node, 'squeeze_dims', []);
    const inputs = [ctx.input(0)];
    if (dims.length) inputs.push(int64(ctx, 'axes', dims));
    ctx.b.node('Squeeze', inputs, [ctx.output()]);
  },
  Transpose: (ctx) =>
    ctx.b.node('Transpose', [ctx.input(0)], [ctx.output()], {
      perm: { ints: toNumbers(ctx.constValue(1)) },
    }),
  ConcatV2: (ctx) => {
    const last = ctx.inputCount - 1;
    const axis = toNumbers(ctx.constValue(last))[0] ?? 0;
    const inputs = Array.from({ length: last }, (_, i) => ctx.input(i));
    ctx.b.node('Concat', inputs, [ctx.output()], { axis: { i: axis } });
  },
  Pad: padHandler(false),
  PadV2: padHandler(true),
  SplitV: splitHandler(true),
  Split: splitHandler(false),
  StridedSlice: stridedSlice,
};
