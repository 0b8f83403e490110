import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIO_SAMPLE_RATE, decodeAudio } from '../core/audio/decode-audio';
import { PocketsphinxTranscriber } from '../core/audio/pocketsphinx-transcriber';
import { detectSpeechSegments, loadSileroVad } from '../core/audio/silero-vad';
import { joinSegments } from '../core/detectors/audio/speech-detector';
import { createDefaultDetectors } from '../core/detectors/registry';
import { ffmpegBinary } from '../core/ffmpeg/ffmpeg-binary';
import { createLogger } from '../core/logging/logger';
import { ModerationEngine } from '../core/pipeline/moderation-engine';
import { loadPolicy } from '../core/policy/load-policy';
import { machineLine, median, timed, writeBenchSection } from './bench-utils';

const RUNS = Number(process.env.BENCH_AUDIO_RUNS ?? 3);
const SECONDS = 60;
const EXAMPLES = join(__dirname, '../../examples/audio');

/**
 * A 60 s 16 kHz mono WAV built from the two spoken examples with 1.5 s of silence after each, looped: about two
 * thirds speech, so both the voice-activity detector and the recogniser have real work.
 */
function testAudio(): string {
  const dir = join(tmpdir(), 'winnow-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `speech-loop-${SECONDS}s.wav`);
  if (existsSync(path)) return path;
  const unit = `${path}.unit.wav`;
  const part = `${path}.part.wav`;
  const quiet = ['-hide_banner', '-loglevel', 'error', '-y'];
  const silence = ['-f', 'lavfi', '-t', '1.5', '-i', `anullsrc=r=${AUDIO_SAMPLE_RATE}:cl=mono`];
  const mono = (i: number) =>
    `[${i}:a]aresample=${AUDIO_SAMPLE_RATE},aformat=sample_fmts=s16:channel_layouts=mono[i${i}]`;
  execFileSync(ffmpegBinary(), [
    ...quiet,
    ...['-i', join(EXAMPLES, 'speech.wav'), '-i', join(EXAMPLES, 'threat.wav'), ...silence, ...silence],
    '-filter_complex',
    `${[0, 1, 2, 3].map(mono).join(';')};[i0][i2][i1][i3]concat=n=4:v=0:a=1[out]`,
    ...['-map', '[out]', unit],
  ]);
  execFileSync(ffmpegBinary(), [...quiet, '-stream_loop', '-1', '-i', unit, '-t', String(SECONDS), part]);
  rmSync(unit);
  renameSync(part, path);
  return path;
}

/**
 * Audio on CPU, stage by stage and end to end: decoding (the baseline every other stage is compared with),
 * Silero VAD over the whole item, pocketsphinx over the speech VAD found, and one heavy-tier verdict through the
 * engine (decode, VAD, recognition, text detectors on the transcript, fusion).
 */
async function main(): Promise<void> {
  const path = testAudio();
  const transcriber = new PocketsphinxTranscriber();
  const asr = await transcriber.available();
  await loadSileroVad();
  const engine = new ModerationEngine({
    policy: loadPolicy(),
    tier: 'heavy',
    detectors: createDefaultDetectors(),
    logger: createLogger({ level: 'error' }),
  });
  await engine.warmUp();

  const stages: Record<'decode' | 'vad' | 'asr' | 'perSegment' | 'total', number[]> = {
    decode: [],
    vad: [],
    asr: [],
    perSegment: [],
    total: [],
  };
  let speechSec = 0;
  let segments = 0;
  let words = 0;
  let decision = '';
  for (let run = 0; run < RUNS + 1; run++) {
    const decode = await timed(() => decodeAudio(path, { maxDurationSec: 600 }));
    const { pcm } = decode.value;
    const vad = await timed(() => detectSpeechSegments(pcm));
    const pieces = vad.value.map((seg) =>
      pcm.subarray(Math.floor(seg.start * AUDIO_SAMPLE_RATE), Math.ceil(seg.end * AUDIO_SAMPLE_RATE)),
    );
    // As the speech detector does it: the speech segments joined with 1 s of silence, one recognition call.
    const asrRun = await timed(async () => {
      if (!asr) return 0;
      const { joined } = joinSegments(pieces, AUDIO_SAMPLE_RATE);
      return (await transcriber.transcribe(joined, AUDIO_SAMPLE_RATE)).words.length;
    });
    const perSegment = await timed(async () => {
      let n = 0;
      if (!asr) return n;
      for (const piece of pieces) n += (await transcriber.transcribe(piece, AUDIO_SAMPLE_RATE)).words.length;
      return n;
    });
    const total = await timed(() =>
      engine.moderate({
        uri: `file://${path}#${run}`,
        size: statSync(path).size,
        open: async () => createReadStream(path),
      }),
    );
    if (total.value.decision === 'error')
      throw new Error(`audio verdict failed: ${total.value.error?.message}`);
    process.stdout.write(
      `run ${run}${run === 0 ? ' (warm-up)' : ''}: decode ${Math.round(decode.ms)} ms, VAD ${Math.round(vad.ms)} ms, ` +
        `ASR ${Math.round(asrRun.ms)} ms (per segment ${Math.round(perSegment.ms)} ms), end to end ${Math.round(total.ms)} ms\n`,
    );
    if (run === 0) continue;
    stages.decode.push(decode.ms);
    stages.vad.push(vad.ms);
    stages.asr.push(asrRun.ms);
    stages.perSegment.push(perSegment.ms);
    stages.total.push(total.ms);
    segments = vad.value.length;
    speechSec = vad.value.reduce((s, seg) => s + (seg.end - seg.start), 0);
    words = asrRun.value;
    decision = total.value.decision;
  }

  const base = median(stages.decode);
  const row = (name: string, what: string, ms: number, mediaSec: number) =>
    `| ${name} | ${what} | ${ms.toFixed(0)} | ${(mediaSec / (ms / 1000)).toFixed(1)}× | ${(ms / base).toFixed(1)}× |`;
  const md = `
## Audio: voice activity and speech recognition on CPU

Method: \`node dist/bench/audio.js\` (part of \`npm run bench\`). A ${SECONDS} s 16 kHz mono WAV made from
\`examples/audio/speech.wav\` and \`threat.wav\` (flite voices) with 1.5 s of silence after each, looped. Each stage is
timed alone, then one heavy-tier verdict through the engine (decode, VAD, recognition of the speech segments, text
detectors on the transcript, fusion); median of ${RUNS} runs after a warm-up run. Real-time factor = seconds of
audio per wall-clock second (for recognition: seconds of speech). The ratio column is each stage's time against
decoding the same file, measured in the same process. Silero VAD v4 through onnxruntime-node on one thread;
pocketsphinx (Debian, en-us) ${asr ? 'in its own process' : '**not installed here: the recognition row is empty**'}.
The video bench's soundtrack row measures the same chain inside a video.

Machine: ${machineLine()}. Measured ${new Date().toISOString().slice(0, 10)}.

| stage | what | wall (ms) | real-time factor | time vs decode |
|---|---|---:|---:|---:|
${row('decode (baseline)', `ffmpeg to 16 kHz float PCM, ${SECONDS} s`, base, SECONDS)}
${row('VAD', `Silero over ${SECONDS} s: ${segments} speech segments, ${speechSec.toFixed(1)} s of speech`, median(stages.vad), SECONDS)}
${row('ASR', `pocketsphinx on the ${speechSec.toFixed(1)} s of speech joined into one call (as the detector does): ${words} words`, median(stages.asr), speechSec)}
${row('ASR, per segment', `the same speech as ${segments} separate calls (the \`per-segment\` mode)`, median(stages.perSegment), speechSec)}
${row('**end to end**', `one heavy-tier audio verdict (${decision})`, median(stages.total), SECONDS)}
`;
  const file = writeBenchSection('audio', md);
  process.stdout.write(`${md}\nwritten to ${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
