// The ONNX protobuf messages (onnx-proto: protobufjs classes generated from onnx.proto).
import onnxProto from 'onnx-proto';

export const { onnx } = onnxProto;
