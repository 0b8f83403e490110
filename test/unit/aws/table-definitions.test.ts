import {
  CACHE_TABLE,
  cacheTableDefinition,
  VERDICT_TABLE,
  verdictTableDefinition,
} from '../../../adapters/aws';

describe('table definitions', () => {
  it('define exactly the attributes that some key uses (DynamoDB refuses others)', () => {
    for (const def of [verdictTableDefinition('t'), cacheTableDefinition('t')]) {
      const keyAttributes = new Set(
        [def.KeySchema ?? [], ...(def.GlobalSecondaryIndexes ?? []).map((i) => i.KeySchema ?? [])]
          .flat()
          .map((k) => k.AttributeName),
      );
      expect(new Set(def.AttributeDefinitions?.map((a) => a.AttributeName))).toEqual(keyAttributes);
    }
  });

  it('name the verdict table keys and indexes the store uses', () => {
    const def = verdictTableDefinition('verdicts');
    expect(def.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(
      def.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.KeySchema?.map((k) => k.AttributeName)]),
    ).toEqual([
      ['byDecision', ['decision', 'createdAt']],
      ['byRun', ['runId', 'createdAt']],
    ]);
    // Indexes never carry the verdict document.
    for (const i of def.GlobalSecondaryIndexes ?? []) {
      expect(i.Projection?.ProjectionType).toBe('INCLUDE');
      expect(i.Projection?.NonKeyAttributes).not.toContain(VERDICT_TABLE.attributes.document);
    }
    expect(CACHE_TABLE).toMatchObject({ partitionKey: 'pk', ttlAttribute: 'expiresAt' });
  });
});
