/** A COCO object category: the 1–90 id that COCO JSON uses, and its name. */
export interface CocoCategory {
  id: number;
  name: string;
}

// The 80 detection categories in the standard 0-based order models are trained with.
// COCO skips ids 12, 26, 29, 30, 45, 66, 68, 69, 71 and 83 (categories dropped before release).
export const COCO_CATEGORIES: readonly CocoCategory[] = Object.freeze(
  (
    [
      [1, 'person'],
      [2, 'bicycle'],
      [3, 'car'],
      [4, 'motorcycle'],
      [5, 'airplane'],
      [6, 'bus'],
      [7, 'train'],
      [8, 'truck'],
      [9, 'boat'],
      [10, 'traffic light'],
      [11, 'fire hydrant'],
      [13, 'stop sign'],
      [14, 'parking meter'],
      [15, 'bench'],
      [16, 'bird'],
      [17, 'cat'],
      [18, 'dog'],
      [19, 'horse'],
      [20, 'sheep'],
      [21, 'cow'],
      [22, 'elephant'],
      [23, 'bear'],
      [24, 'zebra'],
      [25, 'giraffe'],
      [27, 'backpack'],
      [28, 'umbrella'],
      [31, 'handbag'],
      [32, 'tie'],
      [33, 'suitcase'],
      [34, 'frisbee'],
      [35, 'skis'],
      [36, 'snowboard'],
      [37, 'sports ball'],
      [38, 'kite'],
      [39, 'baseball bat'],
      [40, 'baseball glove'],
      [41, 'skateboard'],
      [42, 'surfboard'],
      [43, 'tennis racket'],
      [44, 'bottle'],
      [46, 'wine glass'],
      [47, 'cup'],
      [48, 'fork'],
      [49, 'knife'],
      [50, 'spoon'],
      [51, 'bowl'],
      [52, 'banana'],
      [53, 'apple'],
      [54, 'sandwich'],
      [55, 'orange'],
      [56, 'broccoli'],
      [57, 'carrot'],
      [58, 'hot dog'],
      [59, 'pizza'],
      [60, 'donut'],
      [61, 'cake'],
      [62, 'chair'],
      [63, 'couch'],
      [64, 'potted plant'],
      [65, 'bed'],
      [67, 'dining table'],
      [70, 'toilet'],
      [72, 'tv'],
      [73, 'laptop'],
      [74, 'mouse'],
      [75, 'remote'],
      [76, 'keyboard'],
      [77, 'cell phone'],
      [78, 'microwave'],
      [79, 'oven'],
      [80, 'toaster'],
      [81, 'sink'],
      [82, 'refrigerator'],
      [84, 'book'],
      [85, 'clock'],
      [86, 'vase'],
      [87, 'scissors'],
      [88, 'teddy bear'],
      [89, 'hair drier'],
      [90, 'toothbrush'],
    ] as const
  ).map(([id, name]) => Object.freeze({ id, name })),
);

/** Names in 0-based model order (index = class index of an 80-class COCO model). */
export const COCO80_NAMES: readonly string[] = Object.freeze(COCO_CATEGORIES.map((c) => c.name));

const byName = new Map(COCO_CATEGORIES.map((c) => [c.name, c]));
const byId = new Map(COCO_CATEGORIES.map((c) => [c.id, c]));

export function cocoCategoryByName(name: string): CocoCategory | undefined {
  return byName.get(name);
}

export function cocoCategoryById(id: number): CocoCategory | undefined {
  return byId.get(id);
}

/**
 * torchvision's detection models label with COCO's 91-slot list (0 = background, ids as in
 * COCO JSON), so a label maps straight to a COCO id.
 */
export function cocoNameFromTorchvisionLabel(label: number): string | undefined {
  return byId.get(label)?.name;
}

/** VOC class names that differ from COCO's; the others (person, car, bus, …) are the same. */
export const VOC_TO_COCO: Readonly<Record<string, string>> = Object.freeze({
  aeroplane: 'airplane',
  motorbike: 'motorcycle',
  sofa: 'couch',
  tvmonitor: 'tv',
  diningtable: 'dining table',
  pottedplant: 'potted plant',
});
