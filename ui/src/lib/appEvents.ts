// What Rust tells the window without being asked (tray clicks, notification clicks, background
// refreshes), fanned out to whichever page listens. The shell subscribes once (`startAppEvents`);
// pages register handlers here and never call the back end for it.
import { subscribeAppEvents } from "./api";
import type { AppEvent } from "./bindings/AppEvent";

type Kind = AppEvent["kind"];
type Of<K extends Kind> = Extract<AppEvent, { kind: K }>;
type Handler<K extends Kind> = (event: Of<K>) => void;

const handlers = new Map<Kind, Set<(event: AppEvent) => void>>();

/** Calls `handler` for each event of `kind` until the returned function is called. */
export function onAppEvent<K extends Kind>(kind: K, handler: Handler<K>): () => void {
  const set = handlers.get(kind) ?? new Set();
  handlers.set(kind, set);
  const wrapped = handler as (event: AppEvent) => void;
  set.add(wrapped);
  return () => set.delete(wrapped);
}

/** Hands `event` to its handlers (what the channel does; tests call it directly). */
export function dispatchAppEvent(event: AppEvent): void {
  for (const handler of handlers.get(event.kind) ?? []) {
    try {
      handler(event);
    } catch (err) {
      console.error(`handler for ${event.kind} failed`, err);
    }
  }
}

/** Opens the event channel. Never rejects: without it the app still works, only unprompted. */
export async function startAppEvents(): Promise<void> {
  try {
    await subscribeAppEvents(dispatchAppEvent);
  } catch (err) {
    // The app still works without it, only nothing arrives unasked (the tray's refreshes, alerts).
    console.warn("app events are unavailable", err);
  }
}
