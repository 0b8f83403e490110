import { createTelemetry } from '../../../functions/observability';
import { sampleVerdict } from './fixtures';

describe('telemetry', () => {
  let lines: string[];
  beforeEach(() => {
    lines = [];
    const capture = (chunk: unknown) => {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => jest.restoreAllMocks());

  const json = () => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

  it('writes JSON log lines with bound ids, at the configured level', () => {
    const { logger } = createTelemetry({ service: 'winnow-test', level: 'info' });
    expect(logger.enabled('debug')).toBe(false);
    expect(logger.enabled('info')).toBe(true);
    logger.child({ itemId: 's3://b/k', policyVersion: '7' }).info('item moderated', { decision: 'allow' });
    logger.debug('hidden');
    expect(json()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'item moderated',
        service: 'winnow-test',
        itemId: 's3://b/k',
        policyVersion: '7',
        decision: 'allow',
      }),
    ]);
  });

  it('emits EMF metrics: counts by decision and error code, and latency', () => {
    const telemetry = createTelemetry({ service: 'winnow-test', level: 'silent' });
    telemetry.metrics.verdict(
      sampleVerdict({ decision: 'error', error: { code: 'corrupt-media', message: 'x', retryable: false } }),
      12.4,
    );
    telemetry.metrics.escalated('media-video');
    telemetry.end();
    const emf = json().filter((l) => l._aws);
    const metric = (name: string) => emf.find((l) => l[name] !== undefined);
    expect(metric('ItemsModerated')).toMatchObject({
      decision: 'error',
      ItemsModerated: 1,
      service: 'winnow-test',
    });
    expect(metric('ItemErrors')).toMatchObject({ code: 'corrupt-media' });
    expect(metric('Escalations')).toMatchObject({ reason: 'media-video' });
    expect(metric('ModerationLatency')).toMatchObject({ ModerationLatency: 12 });
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('Winnow');
  });
});
