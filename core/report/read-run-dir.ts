import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { type Verdict, VerdictSchema } from '../verdict/verdict';
import { type EvalFile, EvalFileSchema } from './eval-file';

/** The run directory cannot be reported on: missing, or holding neither verdicts nor eval results. */
export class RunDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunDirError';
  }
}

/** The parts of `summary.json` a report shows; all optional, as older runs may lack some. */
export const RunSummaryFileSchema = z.object({
  runId: z.string().optional().catch(undefined),
  items: z.number().optional().catch(undefined),
  elapsedMs: z.number().optional().catch(undefined),
  itemsPerSecond: z.number().optional().catch(undefined),
  resumed: z.boolean().optional().catch(undefined),
  deadLettered: z.number().optional().catch(undefined),
});
export type RunSummaryFile = z.infer<typeof RunSummaryFileSchema>;

/** What a run directory holds. */
export interface RunDir {
  readonly dir: string;
  /** `verdicts.jsonl`, when present. */
  readonly verdictsFile?: string;
  readonly summary?: RunSummaryFile;
  readonly evaluation?: EvalFile;
  /** Files that were present but could not be read or parsed; the report names them. */
  readonly problems: readonly string[];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readJson<T>(
  path: string,
  schema: z.ZodType<T>,
  problems: string[],
  name: string,
): Promise<T | undefined> {
  if (!(await isFile(path))) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (parsed.success) return parsed.data;
    problems.push(`${name} does not have the expected shape and was ignored`);
  } catch {
    problems.push(`${name} could not be read as JSON and was ignored`);
  }
  return undefined;
}

/**
 * Looks at a run directory written by `winnow scan` or `winnow eval`: `verdicts.jsonl`, `summary.json` and
 * `eval.json`. Verdicts are not read here; {@link readVerdictLines} streams them.
 *
 * @throws RunDirError when the directory is missing or holds neither verdicts nor eval results
 */
export async function readRunDir(dir: string): Promise<RunDir> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDir) throw new RunDirError(`${dir} is not a directory`);
  const problems: string[] = [];
  const verdictsPath = join(dir, 'verdicts.jsonl');
  const verdictsFile = (await isFile(verdictsPath)) ? verdictsPath : undefined;
  const summary = await readJson(join(dir, 'summary.json'), RunSummaryFileSchema, problems, 'summary.json');
  const evaluation = await readJson(join(dir, 'eval.json'), EvalFileSchema, problems, 'eval.json');
  if (!verdictsFile && !evaluation)
    throw new RunDirError(`${dir} holds neither verdicts.jsonl nor eval.json: is it a run directory?`);
  return {
    dir,
    ...(verdictsFile ? { verdictsFile } : {}),
    ...(summary ? { summary } : {}),
    ...(evaluation ? { evaluation } : {}),
    problems,
  };
}

/** One line of `verdicts.jsonl`: a verdict, or a line that is not a valid v1 verdict. */
export type VerdictLine =
  | { readonly kind: 'verdict'; readonly line: number; readonly verdict: Verdict }
  | { readonly kind: 'invalid'; readonly line: number };

/** Streams `verdicts.jsonl` line by line, so a run of any size is read in flat memory. Blank lines are skipped. */
export async function* readVerdictLines(file: string): AsyncGenerator<VerdictLine> {
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      yield { kind: 'invalid', line };
      continue;
    }
    const parsed = VerdictSchema.safeParse(json);
    yield parsed.success ? { kind: 'verdict', line, verdict: parsed.data } : { kind: 'invalid', line };
  }
}
