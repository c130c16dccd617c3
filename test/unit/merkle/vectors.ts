import { readFileSync } from 'node:fs';

/** Shapes of test/vectors/merkle-*.json (hex strings; "" is a 0-byte element). */
export interface InclusionVector {
  readonly index: number;
  readonly size: number;
  readonly leafHash?: string;
  readonly proof: readonly string[];
}
export interface ConsistencyVector {
  readonly oldSize: number;
  readonly newSize: number;
  readonly proof: readonly string[];
}
export interface Rfc6962Vectors {
  readonly leaves: readonly string[];
  readonly emptyRoot: string;
  readonly roots: readonly { readonly size: number; readonly root: string }[];
  readonly inclusion: readonly InclusionVector[];
  readonly consistency: readonly ConsistencyVector[];
  readonly published: {
    readonly emptyRoot: string;
    readonly roots: readonly string[];
    readonly inclusion: readonly InclusionVector[];
    readonly consistency: readonly ConsistencyVector[];
  };
}
export interface MustFailVectors {
  readonly inclusion: readonly {
    readonly desc: string;
    readonly leafHash: string;
    readonly index: number;
    readonly treeSize: number;
    readonly proof: readonly string[];
    readonly root: string;
  }[];
  readonly consistency: readonly (ConsistencyVector & {
    readonly desc: string;
    readonly oldRoot: string;
    readonly newRoot: string;
  })[];
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const rfc6962 = load<Rfc6962Vectors>('merkle-rfc6962.json');
export const mustFail = load<MustFailVectors>('merkle-must-fail.json');
