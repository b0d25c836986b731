// A routing group's policy (routing.md step 4): a comma-separated chain of
// ordering keys, the first most significant. Pure.

import { SippyError } from '../../errors.js';

export const POLICY_KEYS = ['lcr', 'prefix', 'preference', 'order', 'weight'] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

const KNOWN = new Set<string>(POLICY_KEYS);

/**
 * Parses `lcr,prefix` into its keys. Keys are exact and lower case; spaces
 * around commas are ignored; an empty key (`lcr,,order`, or an empty policy)
 * is an unknown key. Throws ROUTING_BAD_POLICY naming the group and the key.
 */
export function parsePolicy(policy: string, groupName: string): readonly PolicyKey[] {
  const keys = policy.split(',').map((key) => key.trim());
  const unknown = keys.find((key) => !KNOWN.has(key));
  if (unknown !== undefined) {
    throw new SippyError(
      'ROUTING_BAD_POLICY',
      `routing group ${JSON.stringify(groupName)} has policy ${JSON.stringify(policy)} with unknown key ${JSON.stringify(unknown)}; known keys are ${POLICY_KEYS.join(', ')}`,
      { data: { routing_group: groupName, policy, key: unknown } },
    );
  }
  return Object.freeze(keys as PolicyKey[]);
}
