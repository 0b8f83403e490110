import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import * as fasttext from 'fasttext.wasm.js';
import { ModelLoadError } from '../../errors';
import type { Signal } from '../../signals';
import type { Detector, TextContent } from '../detector';

/** Id of the language-identification detector. */
export const LANGUAGE_DETECTOR_ID = 'text-language';

/** The model: fastText's lid.176 (176 languages), shipped inside the fasttext.wasm.js package. */
export const LID_MODEL = { id: 'fasttext-lid176', version: 'lid.176.ftz' } as const;

/** Units of text classified; the start of a text says enough about its language. */
export const LANGUAGE_SAMPLE_LENGTH = 4000;

type FastTextModule = typeof fasttext;
type LidModel = Awaited<ReturnType<FastTextModule['getLIDModel']>>;

let loading: Promise<LidModel> | null = null;

/**
 * Language identification with fastText lid.176 (WebAssembly). Classifies the first 4,000 characters, with
 * line breaks as spaces, and emits one informational signal `{ category: null, label: 'lang:<code>', score }`
 * for the top language, where the code is ISO 639-1 when the language has one, else ISO 639-3. Texts without
 * any letter get no signal. The model loads once per process, in `init()` (or on first use).
 */
export function createLanguageDetector(): Detector<TextContent> {
  return {
    id: LANGUAGE_DETECTOR_ID,
    version: '1.0.0',
    media: ['text'],
    tiers: ['fast', 'heavy'],
    model: LID_MODEL,
    async init() {
      await loadLanguageModel();
    },
    async detect(input, ctx) {
      const sample = languageSample(input.text);
      if (sample === null) return [];
      const model = await loadLanguageModel();
      ctx.signal.throwIfAborted();
      const result = await model.identify(sample);
      const code = result.alpha2 ?? result.alpha3;
      if (!code) return [];
      const signal: Signal = {
        detector: LANGUAGE_DETECTOR_ID,
        category: null,
        label: `lang:${code}`,
        score: Math.round(Math.min(1, Math.max(0, result.possibility)) * 1000) / 1000,
        evidence: [],
      };
      return [signal];
    },
  };
}

/** The text the model sees: the first 4,000 units, line breaks as spaces; null when there is no letter. */
export function languageSample(text: string): string | null {
  let sample = text.length > LANGUAGE_SAMPLE_LENGTH ? text.slice(0, LANGUAGE_SAMPLE_LENGTH) : text;
  const last = sample.charCodeAt(sample.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) sample = sample.slice(0, -1);
  if (!/\p{L}/u.test(sample)) return null;
  return sample.replace(/[\r\n\u2028\u2029\v\f]+/g, ' ').trim();
}

/**
 * Loads lid.176 once per process. The package reaches its WebAssembly glue through `import()`, which plain
 * Node allows from CommonJS; inside a VM sandbox without ES-module support (Jest), that `import()` fails, and
 * the package is then imported through Node's own loader in the main context instead.
 */
export function loadLanguageModel(): Promise<LidModel> {
  loading ??= loadModel().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function loadModel(): Promise<LidModel> {
  try {
    return await loadFrom(fasttext);
  } catch (first) {
    const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
    if (loader === undefined) throw new ModelLoadError('cannot load fastText lid.176', { cause: first });
    try {
      const importInMainContext = vm.runInThisContext('(specifier) => import(specifier)', {
        importModuleDynamically: loader,
      }) as (specifier: string) => Promise<FastTextModule>;
      const esmEntry = join(dirname(require.resolve('fasttext.wasm.js')), 'node.mjs');
      return await loadFrom(await importInMainContext(pathToFileURL(esmEntry).href));
    } catch (second) {
      throw new ModelLoadError('cannot load fastText lid.176', {
        cause: new AggregateError([first, second]),
      });
    }
  }
}

async function loadFrom(mod: FastTextModule): Promise<LidModel> {
  const model = await mod.getLIDModel();
  await model.load();
  return model;
}
