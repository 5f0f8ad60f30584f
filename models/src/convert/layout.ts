// NHWC (TF) ↔ NCHW (ONNX Conv/Pool/Resize) wrapping; ONNX Runtime's optimiser cancels most pairs.
import type { OpContext } from './context.ts';

export const TO_NCHW = [0, 3, 1, 2];
export const TO_NHWC = [0, 2, 3, 1];

export function toNchw(ctx: OpContext, x: string): string {
  return ctx.b.op('Transpose', [x], ctx.hint('nchw'), { perm: { ints: TO_NCHW } });
}

export function toNhwc(ctx: OpContext, x: string, out: string): void {
  ctx.b.node('Transpose', [x], [out], { perm: { ints: TO_NHWC } });
}
