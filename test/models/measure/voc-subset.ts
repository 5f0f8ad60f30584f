// A small ground truth cut from VOC100's own COCO file, written to a temp folder.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

interface Gt {
  images: { id: number; file_name: string }[];
  annotations: { image_id: number; category_id: number }[];
  categories: { id: number; name: string }[];
}

/** Picked by eye: each shows only one or two large, clearly visible people (no other VOC object). */
export const LARGE_PEOPLE = [
  '2007_001558.jpg', // two people at a restaurant table
  '2007_001423.jpg', // man in a suit on stage, arms up
  '2007_000807.jpg', // man posing before the leaning tower
  '2007_000664.jpg', // girl, close up
  '2007_000323.jpg', // two people, head and shoulders
  '2007_000272.jpg', // man in a hat
];

export function writeSubset(gtFile: string, files: readonly string[], outFile: string): Gt {
  const gt = JSON.parse(readFileSync(gtFile, 'utf8')) as Gt;
  const images = gt.images.filter((i) => files.includes(path.basename(i.file_name)));
  const ids = new Set(images.map((i) => i.id));
  const subset = { ...gt, images, annotations: gt.annotations.filter((a) => ids.has(a.image_id)) };
  writeFileSync(outFile, JSON.stringify(subset));
  return subset;
}
