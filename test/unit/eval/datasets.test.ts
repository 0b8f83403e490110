import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  csvRecords,
  decodeHtmlEntities,
  detectFormat,
  loadDataset,
  type OpenAiModerationItem,
  openAiCategoryLabel,
  parseDavidson,
  parseHateCheck,
  parseJsonlDataset,
  parseOpenAiModeration,
  splitOf,
} from '../../../core/eval/datasets';
import { DatasetError } from '../../../core/eval/eval-errors';

describe('csvRecords', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and CRLF endings', () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line one\nline two",\n';
    expect([...csvRecords(text)]).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'line one\nline two', ''],
    ]);
  });

  it('keeps an empty first header, a trailing record without a line break and skips a BOM', () => {
    expect([...csvRecords('\ufeff,count\n0,3')]).toEqual([
      ['', 'count'],
      ['0', '3'],
    ]);
  });
});

describe('decodeHtmlEntities', () => {
  it('decodes named and numeric references once and leaves unknown ones', () => {
    expect(
      decodeHtmlEntities('a &amp; b &lt;3 &gt; &quot;q&quot; &#128512; &#x41; &amp;amp; &bogus; &#0;'),
    ).toBe('a & b <3 > "q" \u{1F600} A &amp; &bogus; &#0;');
  });
});

describe('splitOf', () => {
  it('is deterministic and close to 70/15/15 over many keys', () => {
    expect(splitOf('set', 'row-1')).toBe(splitOf('set', 'row-1'));
    const counts = { train: 0, validation: 0, test: 0 };
    for (let i = 0; i < 20_000; i++) counts[splitOf('set', String(i))]++;
    expect(counts.train / 20_000).toBeCloseTo(0.7, 1);
    expect(counts.validation / 20_000).toBeCloseTo(0.15, 1);
    expect(counts.test / 20_000).toBeCloseTo(0.15, 1);
  });
});

describe('OpenAI moderation labels', () => {
  const src = (o: Partial<Record<string, 0 | 1>>) =>
    ({ S: null, H: null, V: null, HR: null, SH: null, S3: null, H2: null, V2: null, ...o }) as never;

  it('is 1 when any key of the category is 1, 0 only when the primary key is known 0, else unknown', () => {
    expect(openAiCategoryLabel(src({ S: 1 }), 'sexual')).toBe(1);
    expect(openAiCategoryLabel(src({ S3: 1 }), 'sexual')).toBe(1);
    expect(openAiCategoryLabel(src({ S: 0, S3: 1 }), 'sexual')).toBe(1);
    expect(openAiCategoryLabel(src({ S: 0 }), 'sexual')).toBe(0);
    expect(openAiCategoryLabel(src({ S: 0, S3: 0 }), 'sexual')).toBe(0);
    expect(openAiCategoryLabel(src({ S3: 0 }), 'sexual')).toBeNull();
    expect(openAiCategoryLabel(src({}), 'hate')).toBeNull();
    expect(openAiCategoryLabel(src({ H2: 1 }), 'hate')).toBe(1);
    expect(openAiCategoryLabel(src({ V2: 1 }), 'violence')).toBe(1);
    expect(openAiCategoryLabel(src({ HR: 0 }), 'harassment')).toBe(0);
    expect(openAiCategoryLabel(src({ SH: 1 }), 'self-harm')).toBe(1);
  });

  it('parses rows, keeps the raw keys and treats missing keys as unknown', () => {
    const jsonl = [
      JSON.stringify({ prompt: 'a nice day', S: 0, H: 0, V: 0, HR: 0, SH: 0, S3: 0, H2: 0, V2: 0 }),
      JSON.stringify({ prompt: 'another day', V: 1 }),
      '',
    ].join('\n');
    const d = parseOpenAiModeration(jsonl);
    expect(d.name).toBe('openai-moderation');
    expect(d.categories).toEqual(['sexual', 'hate', 'violence', 'harassment', 'self-harm']);
    expect(d.items).toHaveLength(2);
    const second = d.items[1] as OpenAiModerationItem;
    expect(second.id).toBe('2');
    expect(second.language).toBe('en');
    expect(second.labels).toEqual({
      sexual: null,
      hate: null,
      violence: 1,
      harassment: null,
      'self-harm': null,
    });
    expect(second.sourceLabels.V).toBe(1);
    expect(second.sourceLabels.S).toBeNull();
    expect(second.split).toBe(splitOf('openai-moderation', '2'));
  });

  it('rejects a bad flag with the line number', () => {
    expect(() => parseOpenAiModeration(JSON.stringify({ prompt: 'x', S: 2 }))).toThrow(/line 1.*"S"/);
  });
});

describe('Davidson', () => {
  const csv =
    ',count,hate_speech,offensive_language,neither,class,tweet\n' +
    '0,3,0,0,3,2,"plain &amp; simple"\n' +
    '1,3,0,3,0,1,"a rude\nword"\n' +
    '5,3,2,1,0,0,third row\n';

  it('maps class 0 to hate, classes 0 and 1 to profanity, and decodes entities', () => {
    const d = parseDavidson(csv);
    expect(d.categories).toEqual(['hate', 'profanity']);
    expect(d.items.map((i) => [i.id, i.labels.hate, i.labels.profanity])).toEqual([
      ['0', 0, 0],
      ['1', 0, 1],
      ['5', 1, 1],
    ]);
    expect(d.items[0]?.text).toBe('plain & simple');
    expect(d.items[1]?.text).toBe('a rude\nword');
  });

  it('rejects a file without the needed columns', () => {
    expect(() => parseDavidson('a,b\n1,2\n')).toThrow(DatasetError);
  });
});

describe('Multilingual HateCheck', () => {
  const header =
    'mhc_case_id,functionality,test_case,label_gold,target_ident,ref_case_id,ref_templ_id,templ_id,case_templ,gender_male,gender_female,label_annotated,label_annotated_maj,disagreement_in_case,disagreement_in_template\n';
  const csv =
    header +
    'german-1,derog_neg_emote_h,Satz eins,hateful,women,,,7,t,,,"[\'hateful\']",hateful,False,False\n' +
    'german-2,ident_neutral_nh,Satz zwei,non-hateful,women,,,7,t,,,"[\'non-hateful\']",non-hateful,True,False\n';

  it('maps label_gold to hate, keeps functionality and groups by template', () => {
    const items = parseHateCheck(csv, 'de');
    expect(items.map((i) => [i.id, i.labels.hate, i.functionality, i.group, i.language])).toEqual([
      ['german-1', 1, 'derog_neg_emote_h', 'template:7', 'de'],
      ['german-2', 0, 'ident_neutral_nh', 'template:7', 'de'],
    ]);
    expect(items[0]?.split).toBe(items[1]?.split);
    expect(items[1]?.disagreementInCase).toBe(true);
  });

  it('loads a folder, taking each language from the file name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-mhc-'));
    try {
      writeFileSync(join(dir, 'hatecheck_cases_final_german.csv'), csv);
      writeFileSync(
        join(dir, 'hatecheck_cases_final_mandarin.csv'),
        `${header}mandarin-1,slur_h,句子,hateful,gay,,,3,t,,,x,hateful,False,False\n`,
      );
      const d = await loadDataset(dir);
      expect(d.name).toBe('multilingual-hatecheck');
      expect(d.items.map((i) => i.language)).toEqual(['de', 'de', 'zh']);
      expect(await detectFormat(join(dir, 'hatecheck_cases_final_german.csv'), false)).toBe(
        'multilingual-hatecheck',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('generic JSONL', () => {
  it('reads text and uri rows, fills unknown labels and honours a given split', () => {
    const text = [
      JSON.stringify({ id: 'a', text: 'hello', labels: { spam: 1 }, language: 'en', split: 'test' }),
      JSON.stringify({ uri: 'files/b.txt', labels: { spam: 0, pii: null } }),
    ].join('\n');
    const d = parseJsonlDataset(text, 'mine', '/base');
    expect(d.categories).toEqual(['spam', 'pii']);
    expect(d.items[0]).toEqual({
      id: 'a',
      text: 'hello',
      labels: { spam: 1, pii: null },
      language: 'en',
      split: 'test',
    });
    expect(d.items[1]?.id).toBe('2');
    expect(d.items[1]?.uri).toBe('file:///base/files/b.txt');
    expect(d.items[1]?.split).toBe(splitOf('mine', '2'));
  });

  it('rejects rows with both text and uri, bad labels or duplicate ids, naming the line', () => {
    expect(() => parseJsonlDataset('{"text":"a","uri":"b","labels":{}}', 'x')).toThrow(/line 1.*exactly one/);
    expect(() => parseJsonlDataset('{"text":"a","labels":{"spam":2}}', 'x')).toThrow(/line 1.*labels\.spam/);
    expect(() =>
      parseJsonlDataset('{"id":1,"text":"a","labels":{}}\n{"id":"1","text":"b","labels":{}}', 'x'),
    ).toThrow(/line 2: duplicate id/);
  });

  it('loads .jsonl.gz files and tells the OpenAI format from the generic one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'winnow-jsonl-'));
    try {
      const generic = join(dir, 'set.jsonl.gz');
      writeFileSync(generic, gzipSync('{"text":"hi","labels":{"spam":0}}\n'));
      const d = await loadDataset(generic);
      expect(d.name).toBe('set');
      expect(d.items).toHaveLength(1);
      const openai = join(dir, 'samples.jsonl');
      writeFileSync(openai, '{"prompt":"hi","S":0}\n');
      expect(await detectFormat(openai, false)).toBe('openai-moderation');
      expect((await loadDataset(openai)).name).toBe('openai-moderation');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says where a named shared set was looked for when it is missing', async () => {
    await expect(loadDataset('davidson', { sharedDataDir: '/nonexistent/data' })).rejects.toThrow(
      /davidson not found at \/nonexistent\/data/,
    );
  });
});
