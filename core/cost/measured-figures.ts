import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors';
import { readJsonConfig, repoRoot } from './read-json-config';

/** Units a measured figure is given in: milliseconds, or seconds of media per wall-clock second. */
export const MEASURED_UNITS = ['ms', 'x-real-time'] as const;

/** One figure a bench measured. */
export const MeasuredFigureSchema = z.object({
  value: z.number().positive(),
  unit: z.enum(MEASURED_UNITS),
  /** How it was measured: the bench, the input, the statistic. */
  method: z.string().min(1),
  /** The machine line of the bench run (`machineLine()`). */
  machine: z.string().min(1),
  /** Date of the run, YYYY-MM-DD. */
  measured: z.iso.date(),
});

/** Schema of `bench/measured.json`. */
export const MeasuredFiguresSchema = z.object({
  about: z.string().optional(),
  figures: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'keys are lower-case, dotted'),
    MeasuredFigureSchema,
  ),
});

/** One measured figure. */
export type MeasuredFigure = z.output<typeof MeasuredFigureSchema>;
/** The whole `bench/measured.json`. */
export type MeasuredFigures = z.output<typeof MeasuredFiguresSchema>;

/** The committed measured figures. */
export function defaultMeasuredPath(): string {
  return join(repoRoot(), 'bench/measured.json');
}

/** Reads and validates measured figures (default: the committed `bench/measured.json`). */
export function loadMeasuredFigures(file = defaultMeasuredPath()): MeasuredFigures {
  return readJsonConfig(file, MeasuredFiguresSchema, 'measured figures');
}

/** A figure by key, in the unit expected; a missing one or one in another unit is a `ConfigError`. */
export function requireFigure(
  measured: MeasuredFigures,
  key: string,
  unit: MeasuredFigure['unit'],
): MeasuredFigure {
  const figure = measured.figures[key];
  if (!figure) {
    throw new ConfigError(
      `measured figure "${key}" is missing from the measured figures: run the bench that records it (npm run bench) or add it to bench/measured.json`,
    );
  }
  if (figure.unit !== unit) {
    throw new ConfigError(`measured figure "${key}" is in ${figure.unit}; the cost model needs ${unit}`);
  }
  return figure;
}
