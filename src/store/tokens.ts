/** API tokens issued at run time (`POST /v1/tokens`), stored by SHA-256 digest only. */
import type { Role } from '../config/index.ts';
import type { Sublevels } from './db.ts';

export interface TokenRecord {
  readonly name: string;
  readonly role: Role;
  readonly patients: readonly string[];
  readonly createdAt: number;
}

export interface TokenStore {
  get(digest: string): Promise<TokenRecord | undefined>;
  put(digest: string, record: TokenRecord): Promise<void>;
  count(): Promise<number>;
  /** Whether any stored token has this role. */
  hasRole(role: Role): Promise<boolean>;
}

export function createTokenStore(components: { readonly subs: Pick<Sublevels, 'tokens'> }): TokenStore {
  const { tokens } = components.subs;
  return {
    get: (digest) => tokens.get(digest),
    put: (digest, record) => tokens.put(digest, record, { sync: true } as never),
    async hasRole(role) {
      for await (const record of tokens.values()) if (record.role === role) return true;
      return false;
    },
    async count() {
      let n = 0;
      for await (const _ of tokens.keys()) n++;
      return n;
    },
  };
}
