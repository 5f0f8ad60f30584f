// Who may call the hub's HTTP API. Operators and reviewers hold tokens from the tokens file;
// devices sign in with the credentials the broker's DeviceRegistry issued them.

export const ROLES = ['operator', 'reviewer', 'device'] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  | {
      role: 'operator' | 'reviewer';
      /** The token's name from the tokens file (recorded with reviews). */
      name: string;
      /** Stable key for rate limits and caches. */
      id: string;
    }
  | { role: 'device'; name: string; id: string; site: string; device: string };

/** Human roles, for routes both kinds of people may call. */
export const PEOPLE: readonly Role[] = ['operator', 'reviewer'];
export const OPERATOR_ONLY: readonly Role[] = ['operator'];
export const DEVICE_ONLY: readonly Role[] = ['device'];
