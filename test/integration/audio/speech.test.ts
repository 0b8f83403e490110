/**
 * @jest-environment ./test/helpers/onnx-environment.js
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAudio } from '../../../core/audio/decode-audio';
import { PocketsphinxTranscriber } from '../../../core/audio/pocketsphinx-transcriber';
import { detectSpeechSegments } from '../../../core/audio/silero-vad';
import { analyzeSpeech } from '../../../core/detectors/audio/speech-detector';
import { CorruptMediaError } from '../../../core/errors';

function hasCommand(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const ffmpeg = process.env.FFMPEG_PATH || 'ffmpeg';
const hasFfmpeg = hasCommand(ffmpeg, ['-version']);
const hasFlite = hasFfmpeg && hasCommand('flite', ['-lv']);
if (!hasFfmpeg) console.warn('ffmpeg not found: skipping audio decode tests');
else if (!hasFlite) console.warn('flite not found: skipping speech tests (apt-get install flite)');

const SENTENCE = 'I will hurt you if you come here again';
const LEAD_SILENCE_SEC = 1.5;

let dir = '';
let speechWav = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'winnow-speech-'));
  if (!hasFlite) return;
  const raw = join(dir, 'raw.wav');
  speechWav = join(dir, 'speech.wav');
  execFileSync('flite', ['-voice', 'rms', '-t', SENTENCE, '-o', raw]);
  // 1.5 s of silence before the speech and 1 s after it.
  execFileSync(ffmpeg, [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-i',
    raw,
    '-af',
    `adelay=${LEAD_SILENCE_SEC * 1000}:all=1,apad=pad_dur=1`,
    speechWav,
  ]);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const describeFfmpeg = hasFfmpeg ? describe : describe.skip;
const describeFlite = hasFlite ? describe : describe.skip;

describeFfmpeg('decodeAudio', () => {
  it('turns damaged bytes into CorruptMediaError with ffmpeg’s message', async () => {
    const err = await decodeAudio(Buffer.from('RIFF\x00\x00\x00\x00WAVEjunkjunkjunk')).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CorruptMediaError);
    expect((err as Error).message).toMatch(/ffmpeg could not decode/);
  });
});

describeFlite('speech pipeline (flite + ffmpeg + Silero VAD)', () => {
  it('decodes a file and a buffer to the same 16 kHz PCM', async () => {
    const fromFile = await decodeAudio(speechWav);
    const fromBuffer = await decodeAudio(readFileSync(speechWav));
    expect(fromFile.sampleRate).toBe(16000);
    expect(fromFile.durationSec).toBeGreaterThan(LEAD_SILENCE_SEC + 1.5);
    expect(fromBuffer.pcm.length).toBe(fromFile.pcm.length);
  });

  it('caps decoding at maxDurationSec', async () => {
    const d = await decodeAudio(speechWav, { maxDurationSec: 1 });
    expect(d.durationSec).toBeCloseTo(1, 1);
    expect(d.truncated).toBe(true);
  });

  it('finds the speech starting about 1.5 s in', async () => {
    const { pcm } = await decodeAudio(speechWav);
    const segments = await detectSpeechSegments(pcm);
    expect(segments.length).toBeGreaterThanOrEqual(1);
    const first = segments[0];
    expect(first?.start).toBeGreaterThan(LEAD_SILENCE_SEC - 0.5);
    expect(first?.start).toBeLessThan(LEAD_SILENCE_SEC + 0.5);
  });

  it('transcribes the speech with pocketsphinx', async () => {
    const transcriber = new PocketsphinxTranscriber();
    if (!(await transcriber.available())) {
      console.warn(
        'pocketsphinx not installed: skipping ASR test (apt-get install pocketsphinx pocketsphinx-en-us)',
      );
      return;
    }
    const { pcm } = await decodeAudio(speechWav);
    const result = await analyzeSpeech(pcm, { transcriber });
    expect(result.asr).toBe('ok');
    const text = result.transcript.map((t) => t.text).join(' ');
    expect(text).toContain('hurt');
    const hurt = result.transcript.flatMap((t) => t.words).find((w) => w.word === 'hurt');
    // "hurt" is the third word, well after the 1.5 s of silence.
    expect(hurt?.start).toBeGreaterThan(LEAD_SILENCE_SEC);
    expect(hurt?.start).toBeLessThan(LEAD_SILENCE_SEC + 1.5);
  });
});
