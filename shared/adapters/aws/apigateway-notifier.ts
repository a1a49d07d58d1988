import { ApiGatewayManagementApiClient, PostToConnectionCommand, type ApiGatewayManagementApiClientConfig } from "@aws-sdk/client-apigatewaymanagementapi";
import { FINAL_EVENTS, type JobEvent } from "../../domain/job";
import type { JobStore } from "../../ports/job-store";
import type { Notifier } from "../../ports/notifier";

// Notifier on API Gateway WebSocket: frames go out through the management API (postToConnection).
// Stateless, as Lambda is: the job store says who follows a job. A connection that is gone (410)
// loses its subscriptions. `follow` sends the log after afterSeq, then reads once more for events
// appended meanwhile; a live event may therefore arrive twice, never missing: clients keep the
// highest seq they have and drop repeats.

export interface ApiGatewayNotifierOptions {
  jobs: JobStore;
  /** https://{api-id}.execute-api.{region}.amazonaws.com/{stage} */
  endpoint?: string;
  client?: ApiGatewayManagementApiClient;
  clientConfig?: ApiGatewayManagementApiClientConfig;
}

const isGone = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === "GoneException" || err?.$metadata?.httpStatusCode === 410;
};

export class ApiGatewayNotifier implements Notifier {
  readonly name = "apigateway-websocket";
  readonly client: ApiGatewayManagementApiClient;
  private readonly jobs: JobStore;

  constructor({ jobs, endpoint, client, clientConfig }: ApiGatewayNotifierOptions) {
    if (!client && !endpoint) throw new Error("ApiGatewayNotifier needs the management endpoint or a client");
    this.jobs = jobs;
    this.client = client ?? new ApiGatewayManagementApiClient({ endpoint, ...clientConfig });
  }

  async send(connectionId: string, frame: unknown): Promise<boolean> {
    try {
      await this.client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(JSON.stringify(frame)) }));
      return true;
    } catch (e) {
      if (!isGone(e)) throw e;
      await this.jobs.unsubscribe(connectionId);
      return false;
    }
  }

  async follow(connectionId: string, jobId: string, afterSeq: number): Promise<void> {
    let last = afterSeq;
    for (let pass = 0; pass < 2; pass++) {
      for (const e of await this.jobs.events(jobId, last)) {
        if (!(await this.send(connectionId, e))) return;
        last = e.seq;
        if (FINAL_EVENTS.includes(e.type)) return;
      }
    }
  }

  async publish(event: JobEvent): Promise<void> {
    const subscribers = await this.jobs.subscribers(event.jobId);
    await Promise.all(subscribers.map((c) => this.send(c, event).catch(() => false)));
  }
}
