import type { DatasetProfile } from "./types";

// How each known dataset is meant to be asked (from its README). Unknown datasets (a user's own
// question set) search their whole corpus and ask the question as written.

export const PROFILES: Record<string, DatasetProfile> = {
  tatqa: { scope: "document", note: "questions only make sense inside their own report context (dataset README)" },
  funsd: {
    scope: "document",
    template: (label) => `What is the value of the field "${label.trim()}" on this form?`,
    note: "questions are bare form key labels, asked per form through a fixed template (dataset README)",
  },
};

export const DEFAULT_PROFILE: DatasetProfile = { scope: "corpus" };

export const profileFor = (name: string): DatasetProfile => PROFILES[name] ?? DEFAULT_PROFILE;
