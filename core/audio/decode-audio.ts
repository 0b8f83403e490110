import { CorruptMediaError, UnreadableItemError } from '../errors';
import { ffmpegBinary, SAFE_INPUT_ARGS } from '../ffmpeg/ffmpeg-binary';
import { ProcessStartError, type RunBoundedResult, runBounded } from '../process/run-bounded';

/** Sample rate of every PCM buffer in the audio pipeline. */
export const AUDIO_SAMPLE_RATE = 16000;

/** Options for {@link decodeAudio}. */
export interface DecodeAudioOptions {
  /** Path to the ffmpeg binary; defaults to {@link ffmpegBinary}. */
  readonly ffmpegPath?: string;
  /** Wall-clock limit for ffmpeg in milliseconds (default 60 000). */
  readonly timeoutMs?: number;
  /** Decode at most this many seconds of audio (ffmpeg `-t`; default 3600). Longer input is cut, not refused. */
  readonly maxDurationSec?: number;
  /** Start decoding this many seconds in (fast input seeking; default 0). */
  readonly startSec?: number;
  /** Refuse output above this many bytes of float32 PCM (default: enough for `maxDurationSec`, plus slack). */
  readonly maxOutputBytes?: number;
  /** Aborts the decode (ffmpeg is killed). */
  readonly signal?: AbortSignal;
}

/** 16 kHz mono float32 PCM. */
export interface DecodedAudio {
  readonly pcm: Float32Array;
  readonly sampleRate: number;
  /** Length in seconds. */
  readonly durationSec: number;
  /** True when the input was longer than `maxDurationSec` and was cut. */
  readonly truncated: boolean;
}

export { ffmpegBinary };

/**
 * Decodes any audio or video file (the first audio stream) to 16 kHz mono float32 PCM with ffmpeg. A Buffer is
 * piped to ffmpeg's stdin; a string is read as a file path. Only the `file` and `pipe` protocols are allowed, so
 * playlists inside the media cannot make ffmpeg fetch anything.
 *
 * @throws CorruptMediaError when ffmpeg cannot decode the input (its stderr tail is in the message)
 * @throws ItemTooLargeError when the output passes `maxOutputBytes`
 * @throws DetectorTimeoutError when ffmpeg runs past `timeoutMs`
 * @throws UnreadableItemError when ffmpeg itself cannot be started
 */
export async function decodeAudio(
  input: Buffer | string,
  options: DecodeAudioOptions = {},
): Promise<DecodedAudio> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxDurationSec = options.maxDurationSec ?? 3600;
  const maxOutputBytes =
    options.maxOutputBytes ?? Math.ceil(maxDurationSec * AUDIO_SAMPLE_RATE * 4) + AUDIO_SAMPLE_RATE * 4;
  const fromPipe = typeof input !== 'string';
  const args = [
    ...SAFE_INPUT_ARGS,
    '-loglevel',
    'error',
    ...(options.startSec ? ['-ss', String(options.startSec)] : []),
    '-i',
    fromPipe ? 'pipe:0' : input,
    '-vn',
    '-ac',
    '1',
    '-ar',
    String(AUDIO_SAMPLE_RATE),
    '-t',
    String(maxDurationSec),
    '-f',
    'f32le',
    '-',
  ];
  // `-nostdin` only stops ffmpeg reading keyboard commands; `pipe:0` still reads the media from stdin.

  const binary = options.ffmpegPath ?? ffmpegBinary();
  let result: RunBoundedResult;
  try {
    result = await runBounded(binary, args, {
      stdin: fromPipe ? input : undefined,
      timeoutMs,
      signal: options.signal,
      maxStdoutBytes: maxOutputBytes,
    });
  } catch (err) {
    if (err instanceof ProcessStartError) {
      throw new UnreadableItemError(`${err.message}; set FFMPEG_PATH`, { cause: err });
    }
    throw err;
  }
  if (result.code !== 0) {
    throw new CorruptMediaError(
      `ffmpeg could not decode the audio (exit ${result.code ?? result.signal}): ${result.stderrTail || 'no message'}`,
    );
  }
  const all = result.stdout;
  const samples = Math.floor(all.length / 4);
  // Copy into a fresh, aligned buffer: Buffer pool slices may be unaligned for Float32Array.
  const pcm = new Float32Array(samples);
  for (let i = 0; i < samples; i++) pcm[i] = all.readFloatLE(i * 4);
  const durationSec = samples / AUDIO_SAMPLE_RATE;
  return {
    pcm,
    sampleRate: AUDIO_SAMPLE_RATE,
    durationSec,
    truncated: durationSec >= maxDurationSec - 0.001,
  };
}
