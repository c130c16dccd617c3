/** The reading shapes live in src/model/; kept here for the importers of this path. */

export { idSchema } from '../model/ids.ts';
export * from '../model/reading-data.ts';
