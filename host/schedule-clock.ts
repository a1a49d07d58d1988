import { openSqlite, type Db } from "../shared/adapters/embedded/sqlite";
import type { ScheduleClock } from "./schedule";

// When each schedule last started, in a SQLite file of the data dir: kept across restarts and shared
// by the replicas on that data dir.

export class SqliteScheduleClock implements ScheduleClock {
  private readonly db: Db;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.exec("CREATE TABLE IF NOT EXISTS schedule_starts (name TEXT PRIMARY KEY, last_start INTEGER NOT NULL)");
  }

  lastStart(name: string): number | undefined {
    return (this.db.prepare("SELECT last_start FROM schedule_starts WHERE name = ?").get(name) as { last_start: number } | undefined)?.last_start;
  }

  recordStart(name: string, at: number): void {
    this.db
      .prepare("INSERT INTO schedule_starts (name, last_start) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET last_start = excluded.last_start")
      .run(name, at);
  }

  close(): void {
    this.db.close();
  }
}
