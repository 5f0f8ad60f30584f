// Where built models go and where the packaged TFJS sources are.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** models/build of this package, or PRETAG_MODELS_DIR when set. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.PRETAG_MODELS_DIR;
  if (override) return path.resolve(override);
  return fileURLToPath(new URL('../../build', import.meta.url));
}

export interface SourcePackage {
  name: string;
  version: string;
  /** Directory holding package.json. */
  dir: string;
}

/** Locates an installed npm package from this package's point of view. */
export function findSourcePackage(name: string): SourcePackage {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve(`${name}/package.json`);
  } catch (err) {
    throw new Error(`package ${name} is not installed (run npm install in the pretag checkout)`, {
      cause: err,
    });
  }
  const { version } = require(pkgJson) as { version: string };
  return { name, version, dir: path.dirname(pkgJson) };
}
