import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '../eval-errors';
import type { LabelledDataset, LabelledItem } from '../labelled-item';
import { splitOf } from '../split';
import { csvObjects } from './csv-records';

/** Name of Multilingual HateCheck (Röttger et al. 2022), also the split seed. */
export const MULTILINGUAL_HATECHECK = 'multilingual-hatecheck';

/** ISO 639-1 codes of the languages in MHC's file names (`hatecheck_cases_final_<language>.csv`). */
export const MHC_LANGUAGES: Readonly<Record<string, string>> = {
  arabic: 'ar',
  dutch: 'nl',
  english: 'en',
  french: 'fr',
  german: 'de',
  hindi: 'hi',
  italian: 'it',
  mandarin: 'zh',
  polish: 'pl',
  portuguese: 'pt',
  spanish: 'es',
};

const FILE_PATTERN = /^hatecheck_cases_final_([a-z]+)\.csv$/;

/** A row of MHC with its case id, targeted group and whether annotators disagreed with the gold label. */
export interface HateCheckItem extends LabelledItem {
  readonly targetIdent?: string;
  readonly disagreementInCase: boolean;
}

/** The ISO code of an MHC file from its name, or `undefined` when the name is not an MHC file's. */
export function hateCheckLanguage(file: string): string | undefined {
  const m = FILE_PATTERN.exec(basename(file));
  return m ? (MHC_LANGUAGES[m[1] as string] ?? m[1]) : undefined;
}

/**
 * Parses one MHC file: `hate` is 1 for `label_gold` `hateful` and 0 for `non-hateful`; the functionality is the
 * file's own (suffix `_h`: all hateful, `_nh`: none). The group is the template id (`templ_id`), which MHC shares
 * across languages for translations of one template, so a template and its translations never span splits.
 */
export function parseHateCheck(
  csv: string,
  language: string,
  name = MULTILINGUAL_HATECHECK,
): HateCheckItem[] {
  const items: HateCheckItem[] = [];
  for (const { record, row } of csvObjects(csv)) {
    const where = `${name} (${language}) record ${row}`;
    const gold = record.label_gold;
    if (gold !== 'hateful' && gold !== 'non-hateful')
      throw new DatasetError(`${where}: label_gold is not hateful/non-hateful`);
    const id = record.mhc_case_id;
    if (!id) throw new DatasetError(`${where}: no mhc_case_id`);
    const templ = record.templ_id;
    const group = templ ? `template:${templ}` : undefined;
    items.push({
      id,
      text: record.test_case ?? '',
      labels: { hate: gold === 'hateful' ? 1 : 0 },
      language,
      functionality: record.functionality || undefined,
      group,
      split: splitOf(name, group ?? id),
      targetIdent: record.target_ident || undefined,
      disagreementInCase: record.disagreement_in_case === 'True',
    });
  }
  return items;
}

/** Reads MHC from its folder (every `hatecheck_cases_final_<language>.csv`, in name order) or from one such file. */
export async function loadHateCheck(path: string, isDirectory: boolean): Promise<LabelledDataset> {
  const files = isDirectory
    ? (await readdir(path))
        .filter((f) => FILE_PATTERN.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0)
    throw new DatasetError(`${path} holds no hatecheck_cases_final_<language>.csv files`);
  const items: HateCheckItem[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const language = hateCheckLanguage(file) ?? 'und';
    for (const item of parseHateCheck(await readFile(file, 'utf8'), language)) {
      if (seen.has(item.id))
        throw new DatasetError(`${MULTILINGUAL_HATECHECK}: duplicate case id in ${basename(file)}`);
      seen.add(item.id);
      items.push(item);
    }
  }
  return { name: MULTILINGUAL_HATECHECK, categories: ['hate'], items };
}
