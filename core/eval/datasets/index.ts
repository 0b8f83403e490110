export type { Label, LabelledDataset, LabelledItem, Split } from '../labelled-item';
export { isSplitSelection, SPLIT_SHARES, type SplitSelection, splitOf } from '../split';
export { csvHeader, csvObjects, csvRecords } from './csv-records';
export { DAVIDSON, type DavidsonItem, loadDavidson, parseDavidson } from './davidson';
export { decodeHtmlEntities } from './html-entities';
export { jsonlDatasetName, loadJsonlDataset, parseJsonlDataset } from './jsonl-dataset';
export { type DatasetFormat, detectFormat, type LoadDatasetOptions, loadDataset } from './load-dataset';
export {
  type HateCheckItem,
  hateCheckLanguage,
  loadHateCheck,
  MHC_LANGUAGES,
  MULTILINGUAL_HATECHECK,
  parseHateCheck,
} from './multilingual-hatecheck';
export {
  loadOpenAiModeration,
  OPENAI_CATEGORY_KEYS,
  OPENAI_KEYS,
  OPENAI_MODERATION,
  type OpenAiKey,
  type OpenAiModerationItem,
  openAiCategoryLabel,
  parseOpenAiModeration,
} from './openai-moderation';
export { SHARED_DATASETS, SHARED_DIR_ENV, sharedDataDir, sharedDatasetPath } from './shared-data';
