// What an op handler sees while converting one TF node.
import type { OnnxGraphBuilder } from '../onnx/graph-builder.ts';
import type { TfNode } from '../tfjs/manifest.ts';
import type { ConstTensor } from '../tfjs/tensor.ts';

export interface OpContext {
  readonly b: OnnxGraphBuilder;
  readonly node: TfNode;
  /** Number of data inputs (control inputs "^x" excluded). */
  readonly inputCount: number;
  isConst(i: number): boolean;
  /** The constant value of input i; throws a clear error when it is computed at run time. */
  constValue(i: number): ConstTensor;
  /** ONNX tensor name of input i (a constant becomes an initializer on first use). */
  input(i: number): string;
  /** ONNX tensor name for this node's output k (TF "name" or "name:k"). */
  output(k?: number): string;
  /** A hint for helper tensors of this node, never clashing with TF names. */
  hint(suffix: string): string;
}

export type OpHandler = (ctx: OpContext) => void;

/** Evaluates a node whose inputs are all constant (so it never reaches the ONNX graph). */
export type ConstFolder = (node: TfNode, inputs: ConstTensor[]) => ConstTensor[];

export function opError(node: TfNode, message: string): Error {
  return new Error(`${node.op} "${node.name}": ${message}`);
}
