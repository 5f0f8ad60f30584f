// Conv2D / DepthwiseConv2dNative and their fused forms (bias + activation), NHWC kept outside.
import { attrFloat, attrInts, attrString, attrStrings } from '../../tfjs/attrs.ts';
import { reshapeTensor, transposeTensor } from '../const-ops.ts';
import { opError, type OpContext, type OpHandler } from '../context.ts';
import { toNchw, toNhwc } from '../layout.ts';
import type { OnnxAttr } from '../../onnx/graph-builder.ts';
import { makeTensor } from '../../tfjs/tensor.ts';

/** Spatial attributes shared by Conv and pools: NHWC 4-vectors → ONNX [H, W] pairs and pads. */
export function spatialAttrs(ctx: OpContext, kernel: [number, number]): Record<string, OnnxAttr> {
  const { node } = ctx;
  if (attrString(node, 'data_format', 'NHWC') !== 'NHWC')
    throw opError(node, 'only NHWC is supported');
  const s = attrInts(node, 'strides', [1, 1, 1, 1]);
  const attrs: Record<string, OnnxAttr> = {
    kernel_shape: { ints: kernel },
    strides: { ints: [s[1] ?? 1, s[2] ?? 1] },
  };
  const padding = attrString(node, 'padding');
  if (padding === 'SAME')
    attrs.auto_pad = { s: 'SAME_UPPER' }; // TF puts the odd pixel at the end too
  else if (padding === 'VALID') attrs.pads = { ints: [0, 0, 0, 0] };
  else if (padding === 'EXPLICIT') {
    const p = attrInts(node, 'explicit_paddings');
    attrs.pads = { ints: [p[2] ?? 0, p[4] ?? 0, p[3] ?? 0, p[5] ?? 0] };
  } else throw opError(node, `padding ${padding} is not supported`);
  return attrs;
}

/** Applies a TF fused activation to an NCHW tensor; returns the new name. */
function activation(ctx: OpContext, x: string, op: string): string {
  switch (op) {
    case 'Relu':
      return ctx.b.op('Relu', [x], ctx.hint('relu'));
    case 'Relu6':
      return relu6(ctx, x, ctx.hint('relu6'));
    case 'LeakyRelu':
      return ctx.b.op('LeakyRelu', [x], ctx.hint('leaky'), {
        alpha: { f: attrFloat(ctx.node, 'leakyrelu_alpha', 0.2) },
      });
    case 'Sigmoid':
      return ctx.b.op('Sigmoid', [x], ctx.hint('sigmoid'));
    case 'Elu':
      return ctx.b.op('Elu', [x], ctx.hint('elu'));
    default:
      throw opError(ctx.node, `fused activation ${op} is not supported`);
  }
}

export function relu6(ctx: OpContext, x: string, out: string): string {
  const lo = ctx.b.initializer(ctx.hint('zero'), makeTensor('float32', [], [0]));
  const hi = ctx.b.initializer(ctx.hint('six'), makeTensor('float32', [], [6]));
  ctx.b.node('Clip', [x, lo, hi], [out]);
  return out;
}

function convHandler(depthwise: boolean): OpHandler {
  return (ctx) => {
    const { node } = ctx;
    const filter = ctx.constValue(1); // [kh, kw, in, out] or [kh, kw, in, multiplier]
    const [kh = 1, kw = 1, cin = 1, cm = 1] = filter.shape;
    if (filter.shape.length !== 4) throw opError(node, 'filter must be 4-D');
    // Depthwise: ONNX grouped conv, weight [in*mult, 1, kh, kw]; channel i*mult+m reads input i.
    const weight = depthwise
      ? reshapeTensor(transposeTensor(filter, [2, 3, 0, 1]), [cin * cm, 1, kh, kw])
      : transposeTensor(filter, [3, 2, 0, 1]);
    const d = attrInts(node, 'dilations', [1, 1, 1, 1]);
    const attrs: Record<string, OnnxAttr> = {
      ...spatialAttrs(ctx, [kh, kw]),
      dilations: { ints: [d[1] ?? 1, d[2] ?? 1] },
      group: { i: depthwise ? cin : 1 },
    };
    const inputs = [toNchw(ctx, ctx.input(0)), ctx.b.initializer(ctx.hint('weight'), weight)];
    const fused = attrStrings(node, 'fused_ops');
    let rest = fused;
    if (fused[0] === 'BiasAdd') {
      if (!ctx.isConst(2)) throw opError(node, 'bias must be constant');
      inputs.push(ctx.input(2));
      rest = fused.slice(1);
    } else if (fused.length) throw opError(node, `fused ${fused.join('+')} is not supported`);
    let y = ctx.b.op('Conv', inputs, ctx.hint('conv'), attrs);
    for (const op of rest) y = activation(ctx, y, op);
    toNhwc(ctx, y, ctx.output());
  };
}

export const convHandlers: Record<string, OpHandler> = {
  Conv2D: convHandler(false),
  _FusedConv2D: convHandler(false),
  DepthwiseConv2dNative: convHandler(true),
  FusedDepthwiseConv2dNative: convHandler(true),
};
