import { describe, expect, it } from 'vitest';
import { parseLaunchMessage } from '../../../core/aws/sqs-launch-queue.js';
import { ValidationError } from '../../../core/errors.js';

describe('parseLaunchMessage', () => {
  it('reads the JSON body the queue sends, dropping fields it does not know', () => {
    expect(parseLaunchMessage('{"campaignId":"c1","shardId":"shard-000","generation":3,"extra":true}')).toEqual({
      campaignId: 'c1',
      shardId: 'shard-000',
      generation: 3,
    });
  });

  it('names the field that is wrong, and the message it came from', () => {
    const parse = () => parseLaunchMessage('{"campaignId":"c1","shardId":"","generation":-1}', 'launch message m-42');
    expect(parse).toThrow(ValidationError);
    expect(parse).toThrow(/^launch message m-42: 2 problems/);
    try {
      parse();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['shardId', 'generation']);
    }
  });

  it('says what it found when the body is not JSON', () => {
    expect(() => parseLaunchMessage('launch shard-000 please')).toThrow(/launch message: expected a JSON object, found "launch shard-000 please" \(/);
    expect(() => parseLaunchMessage('42')).toThrow(ValidationError);
    expect(() => parseLaunchMessage('{"campaignId":"c1","shardId":"s","generation":1.5}')).toThrow(/generation/);
  });
});
