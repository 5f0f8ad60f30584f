#!/usr/bin/env python3
"""Export torchvision's Faster R-CNN ResNet50-FPN to ONNX for pretag's `torchvision-fasterrcnn` adapter.

Input  `images`: float32 [3, H, W], RGB, 0..1, any H and W (dynamic).
Outputs `boxes` float32 [N, 4] (x1, y1, x2, y2 in input pixels), `labels` int64 [N]
(COCO 91-slot ids, 1 = person), `scores` float32 [N].

The model's own transform (normalisation and resize to --min-size/--max-size) is inside the
graph, and its post-processing maps boxes back to the input size.
"""

import argparse
import hashlib
import json
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    w = p.add_mutually_exclusive_group(required=True)
    w.add_argument("--weights", help="torchvision weights name, e.g. DEFAULT or COCO_V1 (needs download.pytorch.org or a filled torch hub cache)")
    w.add_argument("--random-weights", action="store_true", help="random weights: proves wiring only, detects nothing real")
    p.add_argument("--output", required=True, help="path of the .onnx file to write")
    p.add_argument("--opset", type=int, default=13, help="ONNX opset (>= 13; default 13)")
    p.add_argument("--min-size", type=int, default=800, help="shorter side the model resizes to internally (torchvision default 800)")
    p.add_argument("--max-size", type=int, default=1333, help="cap on the longer side (torchvision default 1333)")
    p.add_argument("--trace-size", type=int, nargs=2, default=[480, 640], metavar=("H", "W"), help="example input size used for tracing")
    p.add_argument("--seed", type=int, default=0, help="seed for --random-weights, so exports repeat")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if args.opset < 13:
        sys.exit("--opset must be 13 or higher")
    import torch
    import torchvision
    from torchvision.models.detection import fasterrcnn_resnet50_fpn

    kwargs = dict(min_size=args.min_size, max_size=args.max_size)
    if args.random_weights:
        torch.manual_seed(args.seed)
        # weights_backbone=None keeps it offline; box_score_thresh=0 lets random weights still emit boxes.
        model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, box_score_thresh=0.0, **kwargs)
        weights_name = "random"
    else:
        from torchvision.models.detection import FasterRCNN_ResNet50_FPN_Weights

        try:
            weights = FasterRCNN_ResNet50_FPN_Weights[args.weights]
        except KeyError:
            names = ", ".join(["DEFAULT"] + [w.name for w in FasterRCNN_ResNet50_FPN_Weights])
            sys.exit(f"unknown --weights {args.weights!r}; choose one of {names}")
        try:
            model = fasterrcnn_resnet50_fpn(weights=weights, **kwargs)
        except OSError as err:  # URLError is an OSError
            sys.exit(
                f"cannot get pretrained weights from {weights.url}: {err}\n"
                f"put the file in {torch.hub.get_dir()}/checkpoints/ and run again, or use --random-weights"
            )
        weights_name = str(weights)
    model.eval()

    h, w = args.trace_size
    example = torch.rand(3, h, w)
    t0 = time.time()
    with torch.no_grad():
        # The model takes a list of images; the ONNX graph sees one [3, H, W] tensor.
        torch.onnx.export(
            model,
            ([example],),
            args.output,
            opset_version=args.opset,
            input_names=["images"],
            output_names=["boxes", "labels", "scores"],
            dynamic_axes={
                "images": {1: "height", 2: "width"},
                "boxes": {0: "detections"},
                "labels": {0: "detections"},
                "scores": {0: "detections"},
            },
            do_constant_folding=True,
        )
    with open(args.output, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(
        json.dumps(
            {
                "output": args.output,
                "sha256": digest,
                "weights": weights_name,
                "opset": args.opset,
                "min_size": args.min_size,
                "max_size": args.max_size,
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "export_seconds": round(time.time() - t0, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
