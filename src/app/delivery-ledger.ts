/**
 * Remembers which webhook deliveries (and which comments) the app has already acted on, so a replayed
 * delivery — GitHub's "Redeliver", or a captured request sent again within the signature's life — is
 * not acted on twice. The in-process store is enough for one replica; a shared store (Redis) can
 * implement the same interface for several.
 */
export interface DeliveryLedger {
  /** True the first time `id` is seen, false every time after (until it ages out). */
  firstSeen(id: string): Promise<boolean>;
  /** Forgets `id`, so a delivery whose handling failed before doing anything can be redelivered. */
  forget?(id: string): Promise<void>;
}

/** A {@link DeliveryLedger} in memory: the last `capacity` ids, each kept for `ttlMs`. */
export class InMemoryDeliveryLedger implements DeliveryLedger {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly capacity = 50_000,
    private readonly ttlMs = 7 * 24 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  async firstSeen(id: string): Promise<boolean> {
    const at = this.now();
    const previous = this.seen.get(id);
    if (previous !== undefined && at - previous < this.ttlMs) return false;
    this.seen.delete(id);
    this.seen.set(id, at);
    // Maps keep insertion order: the first entries are the oldest.
    while (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  async forget(id: string): Promise<void> {
    this.seen.delete(id);
  }
}
