import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { ENV } from '../config/env-names';
import type { Logger } from '../logging/logger';
import { silentLogger } from '../logging/logger';
import { runBounded } from '../process/run-bounded';
import type { TranscribedWord, Transcriber, Transcription } from './transcriber';

/** Options for {@link PocketsphinxTranscriber}. */
export interface PocketsphinxOptions {
  /** The CLI to run; defaults to `POCKETSPHINX_PATH` or `pocketsphinx_continuous` on PATH. */
  readonly binary?: string;
  /** Acoustic model directory (`-hmm`); the binary's built-in default (Debian: pocketsphinx-en-us) when unset. */
  readonly hmm?: string;
  /** Language model (`-lm`). */
  readonly lm?: string;
  /** Pronunciation dictionary (`-dict`). */
  readonly dict?: string;
  /** Wall-clock limit per call: `fixedMs + perAudioSecMs * seconds` (defaults 10 000 and 2 000). */
  readonly timeout?: { readonly fixedMs?: number; readonly perAudioSecMs?: number };
  /** Where the one "not installed" warning goes. */
  readonly logger?: Logger;
}

/** Silence appended after the audio so pocketsphinx's own endpointer closes the last utterance. */
const TAIL_SILENCE_SEC = 0.5;

/**
 * Speech to text with the Debian/Ubuntu `pocketsphinx` package (5prealpha CLI `pocketsphinx_continuous`) and
 * the `pocketsphinx-en-us` model. Each call writes raw 16-bit PCM to a private temp file and starts one process
 * (`-infile file -time yes`) that prints word timings; model load is about 0.5 s of each call, so callers should
 * hand it all speech of an item at once (see `analyzeSpeech`), not segment by segment.
 *
 * Not a persistent process: the 5prealpha CLI streams results per utterance but has no way to mark where one
 * request ends, so one process cannot be shared between requests safely. (`-infile /dev/stdin` also fails under
 * Node, whose stdio pipes are sockets that `/proc/self/fd/0` cannot reopen.)
 */
export class PocketsphinxTranscriber implements Transcriber {
  readonly id = 'pocketsphinx';
  readonly version = '5prealpha-en-us';
  private readonly binary: string;
  private readonly logger: Logger;
  private availability: Promise<boolean> | undefined;

  constructor(private readonly options: PocketsphinxOptions = {}) {
    const fromEnv = process.env[ENV.pocketsphinxPath];
    this.binary =
      options.binary ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : 'pocketsphinx_continuous');
    this.logger = options.logger ?? silentLogger;
  }

  available(): Promise<boolean> {
    if (this.availability === undefined) {
      this.availability = findExecutable(this.binary).then((found) => {
        if (found === undefined) {
          this.logger.warn('pocketsphinx not installed; speech will not be transcribed', {
            binary: this.binary,
            hint: 'apt-get install pocketsphinx pocketsphinx-en-us',
          });
          return false;
        }
        return true;
      });
    }
    return this.availability;
  }

  async transcribe(pcm: Float32Array, sampleRate: number, signal?: AbortSignal): Promise<Transcription> {
    const dir = await mkdtemp(join(tmpdir(), 'winnow-asr-'));
    try {
      const file = join(dir, 'audio.raw');
      await writeFile(file, toInt16Le(pcm, Math.round(TAIL_SILENCE_SEC * sampleRate)), { mode: 0o600 });
      return await this.run(file, pcm.length / sampleRate, sampleRate, signal);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async run(
    file: string,
    seconds: number,
    sampleRate: number,
    signal?: AbortSignal,
  ): Promise<Transcription> {
    const args = ['-infile', file, '-time', 'yes', '-logfn', '/dev/null', '-samprate', String(sampleRate)];
    if (this.options.hmm !== undefined) args.push('-hmm', this.options.hmm);
    if (this.options.lm !== undefined) args.push('-lm', this.options.lm);
    if (this.options.dict !== undefined) args.push('-dict', this.options.dict);
    const timeoutMs = Math.round(
      (this.options.timeout?.fixedMs ?? 10_000) + (this.options.timeout?.perAudioSecMs ?? 2_000) * seconds,
    );

    const result = await runBounded(this.binary, args, { timeoutMs, signal });
    if (result.code !== 0) {
      throw new Error(
        `pocketsphinx failed (exit ${result.code ?? result.signal}): ${result.stderrTail || 'no message'}`,
      );
    }
    return parsePocketsphinxOutput(result.stdout.toString('utf8'));
  }
}

const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?)$/;

/**
 * Parses `pocketsphinx_continuous -time yes` output: per utterance, a hypothesis line, then one
 * `word start end confidence` line per word. Fillers (`<s>`, `</s>`, `<sil>`, `[NOISE]`, `++X++`) are dropped and
 * alternate-pronunciation suffixes (`will(2)`) stripped. Pure.
 */
export function parsePocketsphinxOutput(stdout: string): Transcription {
  const words: TranscribedWord[] = [];
  for (const line of stdout.split('\n')) {
    const m = WORD_LINE.exec(line.trim());
    if (m === null) continue;
    const raw = m[1] ?? '';
    if (raw.startsWith('<') || raw.startsWith('[') || raw.startsWith('++')) continue;
    const word = raw.replace(/\(\d+\)$/, '');
    if (word === '') continue;
    words.push({ word, start: Number(m[2]), end: Number(m[3]) });
  }
  return { text: words.map((w) => w.word).join(' '), words };
}

/** Float PCM in [-1, 1] to 16-bit little-endian, followed by `tailSamples` of silence. */
function toInt16Le(pcm: Float32Array, tailSamples: number): Buffer {
  const out = Buffer.alloc((pcm.length + tailSamples) * 2);
  for (let i = 0; i < pcm.length; i++) {
    const s = Math.max(-1, Math.min(1, pcm[i] ?? 0));
    out.writeInt16LE(Math.round(s * 32767), i * 2);
  }
  return out;
}

async function findExecutable(binary: string): Promise<string | undefined> {
  const candidates = isAbsolute(binary)
    ? [binary]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, binary));
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}
