import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadKeyStore } from "../../../shared/auth/key-store";
import { canReadJob } from "../../../shared/auth/policy";
import { ANONYMOUS, authenticate, credentialFrom, readerGroups } from "../../../shared/auth/principal";
import { ConfigError, loadConfig } from "../../../shared/runtime/config";
import { createModelPorts } from "../../../shared/runtime/models";

const KEYS = JSON.stringify([
  { key: "alice-key-0123456789abcdef", tenant: "acme", subject: "alice", groups: ["hr"] },
  { sha256: createHash("sha256").update("bob-token-0123456789abcdef").digest("hex"), tenant: "acme", subject: "bob", groups: ["eng"] },
]);

describe("principals from the configured key store", () => {
  const config = loadConfig({ RAGLINE_API_KEYS: KEYS });

  it("reads x-api-key or a bearer token, in any header case", () => {
    expect(credentialFrom({ "X-Api-Key": " k1 " })).toBe("k1");
    expect(credentialFrom({ Authorization: "Bearer t1" })).toBe("t1");
    expect(credentialFrom({ authorization: "Basic abc" })).toBeUndefined();
  });

  it("maps keys and hashed tokens to tenant, subject and groups; unknown credentials are refused", () => {
    expect(authenticate({ "x-api-key": "alice-key-0123456789abcdef" }, config)).toEqual({
      tenant: "acme",
      subject: "alice",
      groups: ["hr"],
      roles: ["reader"],
    });
    expect(authenticate({ authorization: "Bearer bob-token-0123456789abcdef" }, config)).toMatchObject({ subject: "bob", groups: ["eng"] });
    expect(() => authenticate({ "x-api-key": "wrong-key-0123456789abcdef" }, config)).toThrow(/unknown API key/);
    expect(authenticate({}, config)).toBe(ANONYMOUS);
    expect(() => authenticate({}, loadConfig({ RAGLINE_AUTH: "required", RAGLINE_API_KEYS: KEYS }))).toThrow(/required/);
  });

  it("matches ACLs by group or subject; a job is readable only by its asker", () => {
    expect(readerGroups({ subject: "alice", groups: ["hr"] })).toEqual(["hr", "alice"]);
    expect(readerGroups(undefined)).toEqual([]);
    const job = { request: { question: "q", principal: { tenant: "acme", subject: "alice", groups: ["hr"] } } };
    expect(canReadJob(job, { tenant: "acme", subject: "alice", groups: [], roles: ["reader"] })).toBe(true);
    expect(canReadJob(job, { tenant: "acme", subject: "bob", groups: ["hr"], roles: ["reader"] })).toBe(false);
    expect(canReadJob(job, { tenant: "other", subject: "alice", groups: ["hr"], roles: ["reader"] })).toBe(false);
  });

  it("refuses a bad key store at start-up, naming the variable", () => {
    expect(() => loadConfig({ RAGLINE_API_KEYS: "not json" })).toThrow(/RAGLINE_API_KEYS: must be a JSON array/);
    expect(() => loadConfig({ RAGLINE_API_KEYS: JSON.stringify([{ key: "short", subject: "x" }]) })).toThrow(/RAGLINE_API_KEYS.*at least 16/);
    expect(() => loadKeyStore(loadConfig({ RAGLINE_AUTH: "required" }))).toThrow(/RAGLINE_AUTH=required needs keys/);
    expect(() => loadKeyStore(loadConfig({ RAGLINE_API_KEYS_FILE: "/nonexistent/keys.json" }))).toThrow(/RAGLINE_API_KEYS_FILE/);
  });
});

describe("model configuration", () => {
  it("defaults to the local fallbacks, named honestly", () => {
    const p = createModelPorts(loadConfig({}));
    expect([p.embedder.backend, p.reranker.backend, p.generator.backend]).toEqual(["local", "pass-through", "local"]);
  });

  it("chooses remote backends from configuration", () => {
    const p = createModelPorts(
      loadConfig({
        RAGLINE_EMBEDDER: "tei",
        RAGLINE_EMBED_URL: "http://gpu1:8080",
        RAGLINE_EMBED_MODEL: "BAAI/bge-small-en-v1.5",
        RAGLINE_RERANKER: "vllm",
        RAGLINE_RERANK_URL: "http://gpu2:8000/",
        RAGLINE_RERANK_MODEL: "BAAI/bge-reranker-v2-m3",
        RAGLINE_GENERATOR: "openai",
        RAGLINE_LLM_URL: "http://gpu3:8000",
        RAGLINE_LLM_MODEL: "Qwen/Qwen2.5-7B-Instruct",
      }),
    );
    expect(`${p.embedder.backend} ${p.embedder.model}`).toBe("tei http://gpu1:8080 BAAI/bge-small-en-v1.5");
    expect(`${p.reranker.backend} ${p.reranker.model}`).toBe("vllm http://gpu2:8000 BAAI/bge-reranker-v2-m3");
    expect(`${p.generator.backend} ${p.generator.model}`).toBe("openai-compatible http://gpu3:8000 Qwen/Qwen2.5-7B-Instruct");
  });

  it("a remote backend without its URL or model stops start-up with the variable's name", () => {
    const fails = (env: Record<string, string>, variable: string) => {
      let err: unknown;
      try {
        createModelPorts(loadConfig(env));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(variable);
    };
    fails({ RAGLINE_EMBEDDER: "tei" }, "RAGLINE_EMBED_URL: required when RAGLINE_EMBEDDER=tei");
    fails({ RAGLINE_EMBEDDER: "openai", RAGLINE_EMBED_URL: "http://h:1" }, "RAGLINE_EMBED_MODEL");
    fails({ RAGLINE_RERANKER: "tei" }, "RAGLINE_RERANK_URL");
    fails({ RAGLINE_GENERATOR: "openai", RAGLINE_LLM_URL: "http://h:1" }, "RAGLINE_LLM_MODEL");
    expect(() => loadConfig({ RAGLINE_LLM_URL: "not a url" })).toThrow(/RAGLINE_LLM_URL/);
    expect(() => loadConfig({ RAGLINE_EMBEDDER: "sentence-transformers" })).toThrow(/RAGLINE_EMBEDDER/);
  });
});
