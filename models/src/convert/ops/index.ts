// The op table: one handler per TF op. Add a handler here to support a new model's ops.
import type { OpHandler } from '../context.ts';
import { convHandlers } from './conv.ts';
import { elementwiseHandlers } from './elementwise.ts';
import { poolHandlers } from './pool.ts';
import { reduceHandlers } from './reduce.ts';
import { shapeHandlers } from './shape.ts';

export const OP_HANDLERS: Readonly<Record<string, OpHandler>> = {
  ...convHandlers,
  ...poolHandlers,
  ...elementwiseHandlers,
  ...shapeHandlers,
  ...reduceHandlers,
};
