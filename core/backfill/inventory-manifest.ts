import { z } from 'zod';
import { ConfigError } from '../errors';

const ManifestSchema = z.object({
  sourceBucket: z.string().min(1),
  destinationBucket: z.string().optional(),
  fileFormat: z.string(),
  fileSchema: z.string().optional(),
  files: z.array(z.object({ key: z.string().min(1), size: z.number().optional() })),
});

/** The data file formats a backfill reads. */
export type InventoryFormat = 'CSV' | 'Parquet';

/** The parts of an S3 Inventory `manifest.json` a backfill uses. */
export interface InventoryManifest {
  /** The inventoried bucket. */
  readonly sourceBucket: string;
  /** The bucket holding the data files (the manifest's `destinationBucket` ARN, reduced to its name). */
  readonly destinationBucket?: string;
  readonly format: InventoryFormat;
  /** CSV column names in order (from `fileSchema`); Parquet files name their own columns. */
  readonly columns: readonly string[];
  /** Keys of the data files, in the manifest's order (which the cursor indexes). */
  readonly files: readonly string[];
}

/**
 * Parses an S3 Inventory `manifest.json`. Throws `ConfigError` for a manifest that is not one, or whose data files
 * are in a format other than CSV or Parquet (ORC is not read).
 */
export function parseInventoryManifest(text: string): InventoryManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError('the inventory manifest is not JSON');
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`not an S3 Inventory manifest: ${problems.join('; ')}`);
  }
  const m = parsed.data;
  const format = m.fileFormat.toLowerCase();
  if (format !== 'csv' && format !== 'parquet') {
    throw new ConfigError(`inventory data files are ${m.fileFormat}; backfill reads CSV and Parquet`);
  }
  if (format === 'csv' && !m.fileSchema) {
    throw new ConfigError('a CSV inventory manifest needs its fileSchema (the column names)');
  }
  return {
    sourceBucket: m.sourceBucket,
    ...(m.destinationBucket ? { destinationBucket: m.destinationBucket.replace(/^arn:aws:s3:::/, '') } : {}),
    format: format === 'csv' ? 'CSV' : 'Parquet',
    columns: format === 'csv' ? (m.fileSchema ?? '').split(',').map((c) => c.trim()) : [],
    files: m.files.map((f) => f.key),
  };
}
