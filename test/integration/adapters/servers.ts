import type { AddressInfo } from "node:net";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import dynalite from "dynalite";

// Real protocol servers on loopback, port 0: fauxqs (S3 + SQS) and dynalite (DynamoDB).

export const credentials = { accessKeyId: "test", secretAccessKey: "test" };
export const region = "us-east-1";

export async function startS3Sqs(): Promise<{ endpoint: string; s3: S3Client; sqs: SQSClient; server: FauxqsServer; stop(): Promise<void> }> {
  const server = await startFauxqs({ port: 0, logger: false, host: "127.0.0.1" });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const s3 = new S3Client({
    endpoint,
    region,
    credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  const sqs = new SQSClient({ endpoint, region, credentials });
  return {
    endpoint,
    s3,
    sqs,
    server,
    async stop() {
      s3.destroy();
      sqs.destroy();
      await server.stop();
    },
  };
}

export async function startDynamo(): Promise<{ endpoint: string; client: DynamoDBClient; stop(): Promise<void> }> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials });
  return {
    endpoint,
    client,
    async stop() {
      client.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
