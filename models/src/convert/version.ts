/** Bump when the converter's output for the same input changes: it invalidates built models. */
export const CONVERTER_VERSION = '1.1.0';
export const ONNX_OPSET = 13;
