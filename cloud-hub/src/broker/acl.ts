// Who may publish and subscribe to what. Pure decisions over an identity established at
// CONNECT; the broker wiring turns a denial into a dropped publish or a refused subscription.
import { deviceMayPublish, deviceMaySubscribe } from '@pretag/shared/mqtt/topics';
import type { DeviceRef } from '@pretag/shared/mqtt/topics';

export type Identity = { kind: 'hub' } | { kind: 'device'; ref: DeviceRef };

export type AclDecision = { ok: true } | { ok: false; reason: string };

const allow: AclDecision = { ok: true };
const deny = (reason: string): AclDecision => ({ ok: false, reason });

function who(id: Identity): string {
  return id.kind === 'hub' ? 'the hub' : `device ${id.ref.device}@${id.ref.site}`;
}

/** The hub is trusted inside the prefix and nowhere else; `$` topics belong to the broker. */
function hubMayUse(topic: string, prefix: string): boolean {
  return topic === prefix || topic.startsWith(`${prefix}/`);
}

export function mayPublish(id: Identity | undefined, topic: string, prefix: string): AclDecision {
  if (!id) return deny(`publish to "${topic.slice(0, 200)}" from an unauthenticated client`);
  if (topic.startsWith('$')) return deny(`${who(id)} may not publish to "$" topics`);
  const ok = id.kind === 'hub' ? hubMayUse(topic, prefix) : deviceMayPublish(topic, id.ref, prefix);
  return ok ? allow : deny(`${who(id)} may not publish to "${topic.slice(0, 200)}"`);
}

export function maySubscribe(
  id: Identity | undefined,
  filter: string,
  prefix: string,
): AclDecision {
  if (!id) return deny(`subscribe to "${filter.slice(0, 200)}" from an unauthenticated client`);
  if (filter.startsWith('$')) return deny(`${who(id)} may not subscribe to "$" topics`);
  // '#' alone and '+/...' would reach outside the prefix; the prefix itself has no wildcards.
  const ok =
    id.kind === 'hub' ? hubMayUse(filter, prefix) : deviceMaySubscribe(filter, id.ref, prefix);
  return ok ? allow : deny(`${who(id)} may not subscribe to "${filter.slice(0, 200)}"`);
}
