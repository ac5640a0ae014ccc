// In-process publish/subscribe for ApiEvents; the shells forward it to the UI.
import type { ApiEvents, EventTopic } from './contract';

export type AnyEventListener = (topic: EventTopic, event: ApiEvents[EventTopic]) => void;

export class EventBus {
  private readonly listeners = new Set<AnyEventListener>();

  emit<T extends EventTopic>(topic: T, event: ApiEvents[T]): void {
    for (const l of this.listeners) l(topic, event);
  }

  /** Every topic; returns the unsubscribe function. */
  onAny(listener: AnyEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
