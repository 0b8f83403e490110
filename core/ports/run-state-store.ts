/**
 * Small durable documents describing long runs (a scan's listing cursors and status), so a killed run resumes
 * where it stopped. Values are JSON-serialisable objects.
 */
export interface RunStateStore {
  getRun<T extends object>(id: string): Promise<T | undefined>;
  putRun<T extends object>(id: string, state: T): Promise<void>;
}
