import fs from 'node:fs';
import path from 'node:path';

/** The project's folder (where package.json is), whether the code runs from src/ through ts-node or compiled in dist/. */
export const PROJECT_ROOT = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();
