// plan(desired, running): the pure heart of a reload. It compares the
// listeners the econfig file asks for with the ones running and returns the
// steps that turn one into the other, in an order that keeps every
// unchanged listener serving and moves make-before-break:
//
//   1. updates in place (same socket, other settings): nothing is rebound;
//   2. starts and moves to sockets nobody holds, binding before the old
//      socket of a move is closed;
//   3. stops of environments no longer wanted, releasing their sockets;
//   4. starts and moves to sockets that steps 2 and 3 released, in
//      dependency order.
//
// A move that cannot be made before broken (two environments swapping
// sockets, or http: to https: on the same port) becomes a stop followed,
// once its socket is free, by a start: the only case where an environment
// is briefly not served, and only because its own socket changed.
//
// Unchanged listeners produce no step at all.

import { sameEndpoint, type Endpoint, type ListenerSpec } from '../econfig/listener-spec.js';
import { endpointsClash } from '../econfig/clashes.js';
import { sameSettings } from './spec-compare.js';

export type PlanStep =
  | { readonly kind: 'start'; readonly environment: number; readonly to: ListenerSpec }
  | { readonly kind: 'stop'; readonly environment: number; readonly from: ListenerSpec }
  | { readonly kind: 'update'; readonly environment: number; readonly from: ListenerSpec; readonly to: ListenerSpec }
  | { readonly kind: 'move'; readonly environment: number; readonly from: ListenerSpec; readonly to: ListenerSpec };

type Binding = Extract<PlanStep, { kind: 'start' | 'move' }>;

export function plan(desired: ReadonlyMap<number, ListenerSpec>, running: ReadonlyMap<number, ListenerSpec>): PlanStep[] {
  const updates: PlanStep[] = [];
  const stops: PlanStep[] = [];
  let pending: Binding[] = [];

  for (const environment of [...new Set([...running.keys(), ...desired.keys()])].sort((a, b) => a - b)) {
    const from = running.get(environment);
    const to = desired.get(environment);
    if (to === undefined) {
      stops.push({ kind: 'stop', environment, from: from! });
    } else if (from === undefined) {
      pending.push({ kind: 'start', environment, to });
    } else if (endpointsClash(from.endpoint, to.endpoint) && !sameEndpoint(from.endpoint, to.endpoint)) {
      // Same port, other scheme: the new socket cannot be bound beside the old.
      stops.push({ kind: 'stop', environment, from });
      pending.push({ kind: 'start', environment, to });
    } else if (!sameEndpoint(from.endpoint, to.endpoint)) {
      pending.push({ kind: 'move', environment, from, to });
    } else if (!sameSettings(from, to)) {
      updates.push({ kind: 'update', environment, from, to });
    }
  }

  // Who holds which socket as the steps are applied, by environment.
  const held = new Map<number, Endpoint>([...running].map(([env, spec]) => [env, spec.endpoint]));
  // A move may bind beside its own old socket (they never clash by now); a
  // start needs every clashing socket gone, its own environment's included.
  const blockedBy = (step: Binding): boolean =>
    [...held].some(([env, endpoint]) => (step.kind === 'start' || env !== step.environment) && endpointsClash(endpoint, step.to.endpoint));

  const ordered: PlanStep[] = [...updates];
  const bindReady = (): void => {
    for (let progress = true; progress; ) {
      progress = false;
      const still: Binding[] = [];
      for (const step of pending) {
        if (blockedBy(step)) {
          still.push(step);
          continue;
        }
        ordered.push(step);
        held.set(step.environment, step.to.endpoint);
        progress = true;
      }
      pending = still;
    }
  };

  bindReady();
  for (const step of stops) {
    ordered.push(step);
    held.delete(step.environment);
  }
  bindReady();

  // What remains waits on itself: sockets swapped in a cycle. Break the
  // cycle at its first move (stop now, start when its socket is free).
  while (pending.length > 0) {
    const victim = pending.find((s) => s.kind === 'move') ?? pending[0]!;
    pending = pending.filter((s) => s !== victim);
    if (victim.kind === 'move') {
      ordered.push({ kind: 'stop', environment: victim.environment, from: victim.from });
      held.delete(victim.environment);
      pending.push({ kind: 'start', environment: victim.environment, to: victim.to });
    } else {
      // A start blocked by a socket nobody gives up: econfig validation
      // forbids this, so it can only come from a stale running set. Emit it;
      // the executor reports the bind failure for this environment alone.
      ordered.push(victim);
      held.set(victim.environment, victim.to.endpoint);
    }
    bindReady();
  }
  return ordered;
}

/** One line per step, for the log and for tests. */
export function describeStep(step: PlanStep): string {
  switch (step.kind) {
    case 'start':
      return `environment ${step.environment}: start on ${step.to.socket}`;
    case 'stop':
      return `environment ${step.environment}: stop on ${step.from.socket}`;
    case 'update':
      return `environment ${step.environment}: update in place on ${step.to.socket}`;
    case 'move':
      return `environment ${step.environment}: move from ${step.from.socket} to ${step.to.socket}`;
  }
}
