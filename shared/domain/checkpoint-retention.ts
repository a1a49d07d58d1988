// What a finished job keeps of its checkpoints. While it runs, each stage's output (retrieved and
// reranked chunks with their texts: hundreds of KB at topK 50) lets a retry resume; once the job is
// completed, failed or cancelled nothing resumes, so only the small records read later stay:
// per-stage timings (GET /queries/{id} before a result exists) and the webhook's delivery record.

export const CHECKPOINTS_KEPT_AFTER_END: readonly string[] = ["timings", "webhook"];

export const keptAfterEnd = (stage: string) => CHECKPOINTS_KEPT_AFTER_END.includes(stage);
