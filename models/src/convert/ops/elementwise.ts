// Element-wise ops: TF and ONNX broadcast the same way, so most map one to one.
import { attrFloat, attrType } from '../../tfjs/attrs.ts';
import { dtypeFromTf } from '../../tfjs/tensor.ts';
import { onnxDataType } from '../../onnx/tensor-proto.ts';
import { opError, type OpHandler } from '../context.ts';
import { relu6 } from './conv.ts';

function same(onnxOp: string, arity: number): OpHandler {
  return (ctx) => {
    const inputs = Array.from({ length: arity }, (_, i) => ctx.input(i));
    ctx.b.node(onnxOp, inputs, [ctx.output()]);
  };
}

function isInteger(t: string | undefined): boolean {
  return t === 'DT_INT32' || t === 'DT_INT64';
}

// floor(a / b). Integers: ONNX Mod (fmod=0) has the sign of the divisor like Python's %, so
// (a - a mod b) / b divides exactly and rounds towards −∞ for any signs.
const floorDiv: OpHandler = (ctx) => {
  const { b } = ctx;
  const [x, y] = [ctx.input(0), ctx.input(1)];
  if (isInteger(attrType(ctx.node, 'T'))) {
    const mod = b.op('Mod', [x, y], ctx.hint('mod'), { fmod: { i: 0 } });
    const exact = b.op('Sub', [x, mod], ctx.hint('exact'));
    b.node('Div', [exact, y], [ctx.output()]);
  } else {
    b.node('Floor', [b.op('Div', [x, y], ctx.hint('div'))], [ctx.output()]);
  }
};

// a − floor(a / b)·b: the result takes the divisor's sign, as in TF.
const floorMod: OpHandler = (ctx) => {
  const { b } = ctx;
  const [x, y] = [ctx.input(0), ctx.input(1)];
  if (isInteger(attrType(ctx.node, 'T'))) {
    b.node('Mod', [x, y], [ctx.output()], { fmod: { i: 0 } });
  } else {
    const q = b.op('Floor', [b.op('Div', [x, y], ctx.hint('div'))], ctx.hint('floor'));
    b.node('Sub', [x, b.op('Mul', [q, y], ctx.hint('mul'))], [ctx.output()]);
  }
};

export const elementwiseHandlers: Record<string, OpHandler> = {
  Add: same('Add', 2),
  AddV2: same('Add', 2),
  Sub: same('Sub', 2),
  Mul: same('Mul', 2),
  RealDiv: same('Div', 2),
  Maximum: same('Max', 2),
  Minimum: same('Min', 2),
  Equal: same('Equal', 2),
  Greater: same('Greater', 2),
  Less: same('Less', 2),
  FloorDiv: floorDiv,
  FloorMod: floorMod,
  Relu: same('Relu', 1),
  Sigmoid: same('Sigmoid', 1),
  Tanh: same('Tanh', 1),
  Exp: same('Exp', 1),
  Identity: same('Identity', 1),
  Relu6: (ctx) => void relu6(ctx, ctx.input(0), ctx.output()),
  LeakyRelu: (ctx) =>
    ctx.b.node('LeakyRelu', [ctx.input(0)], [ctx.output()], {
      alpha: { f: attrFloat(ctx.node, 'alpha', 0.2) },
    }),
  Cast: (ctx) => {
    const to = attrType(ctx.node, 'DstT');
    if (!to) throw opError(ctx.node, 'missing DstT');
    ctx.b.node('Cast', [ctx.input(0)], [ctx.output()], {
      to: { i: onnxDataType(dtypeFromTf(to)) },
    });
  },
};
