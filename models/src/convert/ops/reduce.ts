// Reductions and selections: Mean, Max, TopKV2, GatherV2.
import { attrBool, attrInt } from '../../tfjs/attrs.ts';
import { makeTensor, toNumbers } from '../../tfjs/tensor.ts';
import { onnx } from '../../onnx/proto.ts';
import { opError, type OpHandler } from '../context.ts';

function reduce(onnxOp: 'ReduceMean' | 'ReduceMax'): OpHandler {
  return (ctx) => {
    const axes = toNumbers(ctx.constValue(1));
    const keep = attrBool(ctx.node, 'keep_dims');
    ctx.b.node(onnxOp, [ctx.input(0)], [ctx.output()], {
      axes: { ints: axes },
      keepdims: { i: keep ? 1 : 0 },
    });
  };
}

// ONNX TopK returns int64 indices where TF gives int32, so they are cast back.
const topK: OpHandler = (ctx) => {
  const { b, node } = ctx;
  const k = toNumbers(ctx.constValue(1))[0];
  if (k === undefined) throw opError(node, 'k is empty');
  const kName = b.initializer(ctx.hint('k'), makeTensor('int64', [1], [k]));
  const indices = b.fresh(ctx.hint('indices'));
  b.node('TopK', [ctx.input(0), kName], [ctx.output(0), indices], {
    axis: { i: -1 },
    largest: { i: 1 },
    sorted: { i: attrBool(node, 'sorted', true) ? 1 : 0 },
  });
  b.node('Cast', [indices], [ctx.output(1)], { to: { i: onnx.TensorProto.DataType.INT32 } });
};

const gather: OpHandler = (ctx) => {
  if (attrInt(ctx.node, 'batch_dims', 0) !== 0) throw opError(ctx.node, 'batch_dims must be 0');
  const axis = toNumbers(ctx.constValue(2))[0] ?? 0;
  ctx.b.node('Gather', [ctx.input(0), ctx.input(1)], [ctx.output()], { axis: { i: axis } });
};

export const reduceHandlers: Record<string, OpHandler> = {
  Mean: reduce('ReduceMean'),
  Max: reduce('ReduceMax'),
  TopKV2: topK,
  GatherV2: gather,
};
