// MaxPool and bilinear resize (NHWC outside, NCHW inside).
import { attrBool, attrInts } from '../../tfjs/attrs.ts';
import { makeTensor, toNumbers } from '../../tfjs/tensor.ts';
import { opError, type OpHandler } from '../context.ts';
import { toNchw, toNhwc } from '../layout.ts';
import { spatialAttrs } from './conv.ts';

const maxPool: OpHandler = (ctx) => {
  const k = attrInts(ctx.node, 'ksize');
  if ((k[0] ?? 1) !== 1 || (k[3] ?? 1) !== 1)
    throw opError(ctx.node, 'pooling over batch/channels');
  const attrs = spatialAttrs(ctx, [k[1] ?? 1, k[2] ?? 1]);
  const y = ctx.b.op('MaxPool', [toNchw(ctx, ctx.input(0))], ctx.hint('pool'), attrs);
  toNhwc(ctx, y, ctx.output());
};

// Bilinear only: TF's nearest-neighbour rounding rules differ enough to need their own tests.
const resizeBilinear: OpHandler = (ctx) => {
  const { node, b } = ctx;
  const size = toNumbers(ctx.constValue(1));
  if (size.length !== 2) throw opError(node, 'size must be [height, width]');
  const alignCorners = attrBool(node, 'align_corners');
  const halfPixel = attrBool(node, 'half_pixel_centers');
  const transform = alignCorners ? 'align_corners' : halfPixel ? 'half_pixel' : 'asymmetric';
  const x = toNchw(ctx, ctx.input(0));
  // sizes = [N, C] of the input ++ [H, W]; ORT folds this when shapes are static.
  const shape = b.op('Shape', [x], ctx.hint('shape'));
  const nc = b.op(
    'Slice',
    [
      shape,
      b.initializer(ctx.hint('s0'), makeTensor('int64', [1], [0])),
      b.initializer(ctx.hint('s2'), makeTensor('int64', [1], [2])),
    ],
    ctx.hint('nc'),
  );
  const hw = b.initializer(ctx.hint('hw'), makeTensor('int64', [2], size));
  const sizes = b.op('Concat', [nc, hw], ctx.hint('sizes'), { axis: { i: 0 } });
  const attrs = { mode: { s: 'linear' }, coordinate_transformation_mode: { s: transform } };
  const y = b.op('Resize', [x, '', '', sizes], ctx.hint('resize'), attrs);
  toNhwc(ctx, y, ctx.output());
};

export const poolHandlers: Record<string, OpHandler> = {
  MaxPool: maxPool,
  ResizeBilinear: resizeBilinear,
};
