/** A label for one category: 1 positive, 0 negative, null unknown (the row says nothing about the category). */
export type Label = 0 | 1 | null;

/** Which part of a labelled set a row belongs to. Thresholds and models are fit on train/validation only. */
export type Split = 'train' | 'validation' | 'test';

/** One labelled row of an evaluation set, whatever its source format. */
export interface LabelledItem {
  /** Stable and unique within its dataset (the source's own id or row number). */
  readonly id: string;
  /** The text to moderate; exactly one of `text` and `uri` is set. */
  readonly text?: string;
  /** A file or object to moderate (a path, file:// or s3:// URI). */
  readonly uri?: string;
  /** Labels keyed by Winnow category id (`sexual`, `hate`, `harassment`, `violence`, `self-harm`, `spam`, ...). */
  readonly labels: Readonly<Record<string, Label>>;
  /** ISO 639-1 code, where the source says. */
  readonly language?: string;
  /** The functional test the row belongs to (Multilingual HateCheck), where the source says. */
  readonly functionality?: string;
  /** Rows that share a group (a HateCheck template) always land in the same split, so no template leaks. */
  readonly group?: string;
  readonly split: Split;
}

/** A labelled set: its name, the categories it labels, and its rows. */
export interface LabelledDataset {
  readonly name: string;
  readonly categories: readonly string[];
  readonly items: readonly LabelledItem[];
}
