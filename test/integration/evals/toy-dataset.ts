import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

// A small dataset in the team's format, written by the tests (synthetic text, no licensed data):
// eight topical passages, questions with gold documents and evidence, one unanswerable question
// with its companion passage, as clapnq ships them.

const passages: [string, string, string][] = [
  ["volcano", "Volcanoes", "Basaltic lava flows from shield volcanoes such as Mauna Loa in Hawaii. Shield volcanoes have gentle slopes built by fluid lava."],
  ["glacier", "Glaciers", "Glaciers carve U-shaped valleys as they advance. A glacier forms where snowfall exceeds melting for many years."],
  ["coffee", "Coffee", "Coffee beans are the roasted seeds of the Coffea plant. Arabica coffee grows best at high altitude in tropical regions."],
  ["violin", "Violin", "The violin has four strings tuned in perfect fifths. Antonio Stradivari built celebrated violins in Cremona."],
  ["saturn", "Saturn", "Saturn is the sixth planet from the Sun. Its rings are made mostly of ice particles with some rocky debris."],
  ["honeybee", "Honeybees", "Honeybees communicate the location of flowers with a waggle dance. A colony has one queen and thousands of workers."],
  ["lighthouse", "Lighthouses", "The Pharos of Alexandria was an ancient lighthouse. Modern lighthouses use Fresnel lenses to focus their beams."],
  ["unans-q6", "Penguins", "Emperor penguins breed during the Antarctic winter. Males keep the egg warm on their feet."],
];

const questions = [
  {
    id: "q1",
    question: "What do glaciers carve as they advance?",
    answers: ["U-shaped valleys"],
    relevant_doc_ids: ["glacier"],
    selected_sentences: ["Glaciers carve U-shaped valleys as they advance."],
  },
  { id: "q2", question: "Where did Antonio Stradivari build violins?", answers: ["Cremona"], relevant_doc_ids: ["violin"] },
  {
    id: "q3",
    question: "What are the rings of Saturn made of?",
    answers: ["Its rings are made mostly of ice particles with some rocky debris, according to the passage about Saturn."],
    relevant_doc_ids: ["saturn"],
  },
  {
    id: "q4",
    question: "How do honeybees communicate the location of flowers?",
    answers: ["SUPPORT"],
    relevant_doc_ids: ["honeybee"],
    selected_sentences: ["Honeybees communicate the location of flowers with a waggle dance."],
  },
  { id: "q5", question: "What lenses do modern lighthouses use to focus their beams?", answers: ["Fresnel lenses"], relevant_doc_ids: ["lighthouse"] },
  { id: "q6", question: "How many eggs does an emperor penguin lay in a clutch during a drought year?", answers: [], relevant_doc_ids: [], answerable: false },
];

export const TOY_DOCS = passages.length;
export const TOY_QUESTIONS = questions.length;

/** Writes the toy dataset under `root/toy` and returns the root. */
export function writeToyDataset(root: string, name = "toy"): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "README.md"), "| | |\n|---|---|\n| license | CC0 (synthetic test data) |\n");
  writeFileSync(join(dir, "corpus.jsonl"), passages.map(([id, title, text]) => JSON.stringify({ id, title, text })).join("\n") + "\n");
  writeFileSync(join(dir, "questions.jsonl"), questions.map((q) => JSON.stringify(q)).join("\n") + "\n");
  return root;
}
