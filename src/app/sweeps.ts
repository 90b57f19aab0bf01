import type { Logger, ProbotOctokit } from 'probot';

type Octokit = InstanceType<typeof ProbotOctokit>;

/** GitHub keeps an app's webhook deliveries for three days. */
const DELIVERY_RETENTION_MS = 3 * 24 * 3_600_000;
/** Pages of 100 deliveries read per sweep at most. */
const MAX_PAGES = 10;
/** Redeliveries asked for one GUID before the sweep leaves it alone (it keeps failing for a reason). */
const MAX_REDELIVERIES = 3;

interface Delivery {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
}

const asked = new Map<string, number>();

/**
 * GitHub never redelivers a failed webhook by itself. Lists the app's recent deliveries
 * (`GET /app/hook/deliveries`, app-authenticated) and asks GitHub to redeliver each one whose every
 * attempt failed (`POST /app/hook/deliveries/{id}/attempts`); a GUID that succeeded once is left
 * alone, whatever its other attempts did. The queue drops a redelivery it has already accepted.
 * Resolves with the number of redeliveries asked for.
 */
export async function sweepFailedDeliveries(octokit: Octokit, log: Logger, now: () => number = Date.now, memory: Map<string, number> = asked): Promise<number> {
  const byGuid = new Map<string, Delivery[]>();
  let pages = 0;
  let old = false;
  for await (const { data } of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    for (const delivery of data as Delivery[]) {
      if (now() - Date.parse(delivery.delivered_at) > DELIVERY_RETENTION_MS) old = true;
      const list = byGuid.get(delivery.guid) ?? [];
      list.push(delivery);
      byGuid.set(delivery.guid, list);
    }
    if (old || ++pages >= MAX_PAGES) break;
  }
  let redelivered = 0;
  for (const [guid, deliveries] of byGuid) {
    if (deliveries.some((delivery) => delivery.status_code >= 200 && delivery.status_code < 300)) continue;
    const times = memory.get(guid) ?? 0;
    if (times >= MAX_REDELIVERIES) continue;
    const latest = deliveries.reduce((a, b) => (Date.parse(b.delivered_at) > Date.parse(a.delivered_at) || b.id > a.id ? b : a));
    memory.set(guid, times + 1);
    try {
      await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: latest.id });
      redelivered++;
      log.info({ guid, deliveryId: latest.id, statusCode: latest.status_code }, 'trustgate asked GitHub to redeliver a failed webhook');
    } catch (error) {
      log.warn({ err: error, guid }, 'trustgate could not ask GitHub to redeliver a failed webhook');
    }
  }
  return redelivered;
}
