import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDynamoClient, createS3Client } from '../../adapters/aws/aws-clients';
import { S3DynamoHashBankStore } from '../../adapters/aws/s3-dynamodb-hash-bank-store';
import { openStateDir, SqliteHashBankStore } from '../../adapters/local';
import { InvalidBankNameError, UnknownBankError } from '../../core/banks/bank-errors';
import { detectBankFormat, formatBankFile, isBankFormat, parseBankFile } from '../../core/banks/bank-format';
import { BankMatcher, DEFAULT_PDQ_RADIUS } from '../../core/banks/bank-matcher';
import type { BankMatch } from '../../core/banks/bank-snapshot';
import { type BankEntry, type HashKind, isHashKind, normaliseHash } from '../../core/banks/hash-bank';
import { vpdqFrameCount, vpdqValueDigest } from '../../core/banks/vpdq-value';
import { ENV } from '../../core/config/env-names';
import { MAX_SEARCH_RADIUS } from '../../core/hash-index/mih-index';
import type { Logger } from '../../core/logging/logger';
import type { HashBankStore } from '../../core/ports/hash-bank-store';
import { parseS3Prefix } from '../../core/serverless/s3-location';
import type { CliConfig } from '../cli-config';
import { EXIT, UsageError } from '../usage-error';

export const BANK_USAGE = `Usage: winnow bank <subcommand> [options]

Hash banks: named, versioned lists of known hashes (PDQ, MD5, SHA-256, and whole-video vPDQ lists) that items are
matched against.

Subcommands:
  import <name> <file>          add the file's hashes to the bank (created if new)
      --format hex|csv|hma|vpdq hex: one hash per line (extra fields ignored, e.g. "hash,quality");
                                csv: hash,label,source[,kind] (header optional); hma: "pdq <hash>" or
                                "vpdq <json>" lines or signal_type,signal_value CSV; vpdq: one video's
                                frameNumber,quality,pdqHex,timestamp lines (the reference vPDQ hasher's output),
                                one entry. Default: csv for *.csv, vpdq or hma when the lines look so, else hex
      --kind pdq|md5|sha256     kind of hashes whose line does not say (64 hex digits: pdq, 32: md5)
      --label L, --source S     label and source for entries without one
  list [--json]                 every bank with its version and size
  export <name> [--format hex|csv|hma] [--out FILE]   write the bank's entries (default csv, to stdout)
  remove <name> <hash...> [--kind K]                  remove hashes from the bank
  match <hash...> | --file F [--radius N] [--kind K] [--json]
                                bank entries matching each hash: PDQ within N bits (default 31, at most 31),
                                MD5 and SHA-256 exactly; F holds one hash per line. With --kind vpdq, F is
                                one video's vPDQ hashes, matched whole (HMA's rule: 80% of its frames)

Options:
  --state-dir DIR               local state (default .winnow, or $WINNOW_STATE_DIR)
  --aws BUCKET[/PREFIX]         the banks on AWS instead (what the deployed functions and workers match
                                against): entry snapshots in S3, registry in DynamoDB (default $WINNOW_BANK_LOCATION)
  --aws-table TABLE             the registry table (default $WINNOW_BANK_TABLE, else $WINNOW_CACHE_TABLE)
  -h, --help                    this text

Exit status of match: 0 when some hash matched, 1 when none did.`;

const OPTIONS = {
  format: { type: 'string' },
  kind: { type: 'string' },
  label: { type: 'string' },
  source: { type: 'string' },
  out: { type: 'string' },
  file: { type: 'string' },
  radius: { type: 'string' },
  json: { type: 'boolean', default: false },
  'state-dir': { type: 'string' },
  aws: { type: 'string' },
  'aws-table': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof OPTIONS }>
>['values'];

/** `winnow bank`: import, list, export, remove and match hash banks in the local state dir (or on AWS with `--aws`). */
export async function bankCommand(argv: string[], config: CliConfig, _logger: Logger): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const [sub, ...args] = positionals;
  if (values.help || sub === undefined) {
    process.stdout.write(`${BANK_USAGE}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const kind = parseKind(values.kind);
  const aws = values.aws !== undefined;
  const state = aws
    ? undefined
    : openStateDir(values['state-dir'] ? resolve(values['state-dir']) : config.stateDir);
  try {
    const store = state ? new SqliteHashBankStore(state) : awsBankStore(values);
    switch (sub) {
      case 'import':
        return await importBank(store, args, values, kind);
      case 'list':
        return await listBanks(store, values);
      case 'export':
        return await exportBank(store, args, values);
      case 'remove':
        return await removeHashes(store, args, kind);
      case 'match':
        return await matchHashes(store, args, values, kind);
      default:
        throw new UsageError(`unknown bank subcommand "${sub}"`);
    }
  } catch (err) {
    if (err instanceof UnknownBankError || err instanceof InvalidBankNameError)
      throw new UsageError(err.message);
    throw err;
  } finally {
    state?.close();
  }
}

/** The S3 + DynamoDB bank store named by `--aws` (or `$WINNOW_BANK_LOCATION`) and `--aws-table`. */
function awsBankStore(values: Values): HashBankStore {
  let location: { bucket: string; prefix: string };
  try {
    location = parseS3Prefix(values.aws || process.env[ENV.bankLocation] || '');
  } catch (err) {
    throw new UsageError(
      `--aws takes a bucket, optionally with a prefix (my-banks/hash-banks): ${(err as Error).message}`,
    );
  }
  const tableName = values['aws-table'] || process.env[ENV.bankTable] || process.env[ENV.cacheTable];
  if (!tableName) throw new UsageError(`--aws needs --aws-table (or ${ENV.bankTable} / ${ENV.cacheTable})`);
  const region = process.env[ENV.awsRegion] || 'us-east-1';
  const s3Endpoint = process.env[ENV.s3Endpoint];
  const dynamoEndpoint = process.env[ENV.dynamoEndpoint];
  return new S3DynamoHashBankStore({
    s3: createS3Client({ region, ...(s3Endpoint ? { endpoint: s3Endpoint } : {}) }),
    dynamo: createDynamoClient({ region, ...(dynamoEndpoint ? { endpoint: dynamoEndpoint } : {}) }),
    bucket: location.bucket,
    ...(location.prefix ? { prefix: location.prefix } : {}),
    tableName,
  });
}

function parseKind(kind: string | undefined): HashKind | undefined {
  if (kind !== undefined && !isHashKind(kind)) {
    throw new UsageError(`--kind must be pdq, md5, sha256 or vpdq, got "${kind}"`);
  }
  return kind;
}

async function importBank(
  store: HashBankStore,
  args: string[],
  values: Values,
  kind: HashKind | undefined,
): Promise<number> {
  const [name, file, ...extra] = args;
  if (name === undefined || file === undefined || extra.length > 0) {
    throw new UsageError('bank import takes a bank name and one file');
  }
  const text = readFileSync(file, 'utf8');
  const format = values.format ?? detectBankFormat(file, text);
  if (!isBankFormat(format)) throw new UsageError(`--format must be hex, csv, hma or vpdq, got "${format}"`);
  const parsed = parseBankFile(text, format, { kind, label: values.label, source: values.source });
  if (parsed.problems.length > 0) {
    const shown = parsed.problems.slice(0, 10).map((p) => `  ${file}:${p.line}: ${p.message}`);
    const more = parsed.problems.length > 10 ? [`  ... and ${parsed.problems.length - 10} more`] : [];
    process.stderr.write(
      `winnow: ${file}: ${parsed.problems.length} unreadable line(s); nothing imported:\n${[...shown, ...more].join('\n')}\n`,
    );
    return EXIT.usage;
  }
  await store.putBank(name);
  const change = await store.addEntries(name, parsed.entries);
  const skipped = parsed.skipped > 0 ? `, ${parsed.skipped} skipped (signal types banks do not hold)` : '';
  process.stdout.write(
    `bank ${name}: ${change.changed} added, ${change.updated} updated, ` +
      `${parsed.entries.length - change.changed - change.updated} already present${skipped}; ` +
      `${change.bank.entryCount} entries, version ${change.bank.version}\n`,
  );
  return EXIT.ok;
}

async function listBanks(store: HashBankStore, values: Values): Promise<number> {
  const banks = await store.listBanks();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(banks)}\n`);
    return EXIT.ok;
  }
  if (banks.length === 0) {
    process.stdout.write('no hash banks; add one with "winnow bank import <name> <file>"\n');
    return EXIT.ok;
  }
  const rows = [
    ['name', 'version', 'entries', 'updated'],
    ...banks.map((b) => [b.name, String(b.version), String(b.entryCount), b.updatedAt]),
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length))) ?? [];
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((v, c) => v.padEnd(widths[c] as number))
        .join('  ')
        .trimEnd()}\n`,
    );
  return EXIT.ok;
}

async function exportBank(store: HashBankStore, args: string[], values: Values): Promise<number> {
  const [name, ...extra] = args;
  if (name === undefined || extra.length > 0) throw new UsageError('bank export takes one bank name');
  const format = values.format ?? 'csv';
  if (!isBankFormat(format)) throw new UsageError(`--format must be hex, csv or hma, got "${format}"`);
  const entries: BankEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listEntries(name, {
      limit: 10_000,
      ...(cursor === undefined ? {} : { cursor }),
    });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor !== undefined);
  const text = formatBankFile(entries, format);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  return EXIT.ok;
}

/** A query as printed: a vPDQ list by its frame count and digest, other hashes as they are. */
function shown(q: { kind: HashKind; hash: string }): string {
  return q.kind === 'vpdq' ? `vpdq:${vpdqValueDigest(q.hash)} (${vpdqFrameCount(q.hash)} frames)` : q.hash;
}

/** A hash typed by the user: its kind from `--kind`, else from its length (64: pdq, 32: md5). */
function userHash(raw: string, kind: HashKind | undefined): { kind: HashKind; hash: string } {
  const k = kind ?? (raw.trim().length === 32 ? 'md5' : 'pdq');
  const hash = normaliseHash(k, raw);
  if (!hash) throw new UsageError(`not a ${k} hex hash: "${raw.slice(0, 80)}"`);
  return { kind: k, hash };
}

async function removeHashes(
  store: HashBankStore,
  args: string[],
  kind: HashKind | undefined,
): Promise<number> {
  const [name, ...hashes] = args;
  if (name === undefined || hashes.length === 0)
    throw new UsageError('bank remove takes a bank name and hashes');
  const change = await store.removeEntries(
    name,
    hashes.map((h) => userHash(h, kind)),
  );
  process.stdout.write(
    `bank ${name}: ${change.changed} removed; ${change.bank.entryCount} entries, version ${change.bank.version}\n`,
  );
  return EXIT.ok;
}

async function matchHashes(
  store: HashBankStore,
  args: string[],
  values: Values,
  kind: HashKind | undefined,
): Promise<number> {
  const radius = Number(values.radius ?? DEFAULT_PDQ_RADIUS);
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_SEARCH_RADIUS) {
    throw new UsageError(
      `--radius must be a whole number from 0 to ${MAX_SEARCH_RADIUS}, got "${values.radius}"`,
    );
  }
  const raw = [...args];
  if (values.file && kind === 'vpdq') {
    raw.push(readFileSync(values.file, 'utf8'));
  } else if (values.file) {
    for (const line of readFileSync(values.file, 'utf8').split(/\r?\n/)) {
      const token = line.trim().split(/[\s,;]/, 1)[0];
      if (token && !token.startsWith('#')) raw.push(token);
    }
  }
  if (raw.length === 0) throw new UsageError('bank match takes hashes or --file');
  const queries = raw.map((h) => userHash(h, kind));
  const matcher = new BankMatcher(store, { refreshIntervalMs: Number.POSITIVE_INFINITY });
  await matcher.refresh();
  let any = false;
  const results: { hash: string; kind: HashKind; matches: BankMatch[] }[] = [];
  for (const q of queries) {
    const matches = await matcher.match(q.kind, q.hash, radius);
    if (matches.length > 0) any = true;
    results.push({ ...q, matches });
  }
  if (values.json) {
    for (const r of results) process.stdout.write(`${JSON.stringify({ ...r, hash: shown(r) })}\n`);
  } else {
    for (const r of results) {
      if (r.matches.length === 0) {
        process.stdout.write(`${shown(r)}  no match\n`);
        continue;
      }
      for (const m of r.matches) {
        const what = [m.label, m.source].filter(Boolean).join(', ');
        const how = m.video
          ? `${m.video.queryMatchPercent.toFixed(1)}% of the query's frames, ${m.video.comparedMatchPercent.toFixed(1)}% of the entry's`
          : r.kind === 'pdq'
            ? `distance ${m.distance}`
            : 'exact';
        process.stdout.write(
          `${shown(r)}  ${m.bankName}  ${how}  ${m.matchedHash}${what ? `  (${what})` : ''}\n`,
        );
      }
    }
  }
  return any ? EXIT.ok : EXIT.failOn;
}
