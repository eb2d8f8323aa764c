import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../lib/adapters/local/event-pattern.ts';

// The example events of the EventBridge user guide ("Event patterns", "Content filtering").
const ec2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 12,
    'x-limit': 301.8,
    sourceIPAddress: '10.0.0.255',
    sourceIPv6: '2001:db8::1',
    responseElements: null,
    note: '',
    FileName: 'image.PNG',
    location: { city: 'Hohhot', tags: ['cold', 'windy'] },
  },
};

const cases: [string, Record<string, unknown>, boolean][] = [
  ['exact source', { source: ['aws.ec2'] }, true],
  ['exact source, other value', { source: ['aws.s3'] }, false],
  ['several fields are ANDed', { source: ['aws.ec2'], 'detail-type': ['nope'] }, false],
  ['nested field', { detail: { state: ['terminated'] } }, true],
  ['deeper nesting', { detail: { location: { city: ['Hohhot'] } } }, true],
  ['a field missing from the event', { detail: { missing: ['x'] } }, false],
  ['prefix', { time: [{ prefix: '2017-12-22' }] }, true],
  ['prefix, no match', { time: [{ prefix: '2017-10-02' }] }, false],
  ['prefix ignoring case', { 'detail-type': [{ prefix: { 'equals-ignore-case': 'ec2 INSTANCE' } }] }, true],
  ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, false],
  ['suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, true],
  [
    'equals-ignore-case',
    { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] },
    true,
  ],
  ['anything-but a value', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
  ['anything-but that value', { detail: { state: [{ 'anything-but': 'terminated' }] } }, false],
  ['anything-but a list', { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, true],
  [
    'anything-but a list holding it',
    { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } },
    false,
  ],
  ['anything-but a prefix', { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, true],
  ['anything-but a prefix it has', { detail: { state: [{ 'anything-but': { prefix: 'term' } }] } }, false],
  ['anything-but a suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, true],
  ['anything-but a number', { detail: { 'c-count': [{ 'anything-but': [1, 2] }] } }, true],
  ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, true],
  ['numeric range, outside', { detail: { 'd-count': [{ numeric: ['>', 0, '<=', 5] }] } }, false],
  ['numeric equality', { detail: { 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, true],
  ['numeric on a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
  ['exists true', { detail: { state: [{ exists: true }] } }, true],
  ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
  ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
  ['exists true on a null value', { detail: { responseElements: [{ exists: true }] } }, true],
  ['null matches a null value', { detail: { responseElements: [null] } }, true],
  ['null does not match a missing field', { detail: { missing: [null] } }, false],
  ['empty string', { detail: { note: [''] } }, true],
  ['empty string vs null', { detail: { responseElements: [''] } }, false],
  [
    'any element of an array in the event',
    { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] },
    true,
  ],
  ['array element inside detail', { detail: { location: { tags: ['windy'] } } }, true],
  ['array element, none matches', { detail: { location: { tags: ['calm'] } } }, false],
  ['wildcard', { source: [{ wildcard: 'aws.*' }] }, true],
  ['wildcard in the middle', { resources: [{ wildcard: 'arn:aws:ec2:*:instance/*' }] }, true],
  ['wildcard, no match', { source: [{ wildcard: 'aws.s*' }] }, false],
  ['cidr IPv4', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, true],
  ['cidr IPv4 outside', { detail: { sourceIPAddress: [{ cidr: '10.0.1.0/24' }] } }, false],
  ['cidr IPv6', { detail: { sourceIPv6: [{ cidr: '2001:db8::/32' }] } }, true],
  [
    '$or of numeric conditions',
    {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 10] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 301.8] }] },
        ],
      },
    },
    true,
  ],
  ['$or, no alternative matches', { detail: { $or: [{ state: ['running'] }, { 'c-count': [0] }] } }, false],
  [
    '$or at the top level',
    { $or: [{ source: ['aws.s3'] }, { detail: { state: ['terminated'] } }], account: ['111122223333'] },
    true,
  ],
  ['a pattern value that is an object against a leaf', { detail: { state: { deeper: ['x'] } } }, false],
];

describe('EventBridge pattern matching', () => {
  it.each(cases)('%s', (_name, pattern, expected) => {
    expect(matchesPattern(pattern, ec2)).toBe(expected);
  });

  it('matches FlexDR command routing on the integration id', () => {
    const pattern = {
      source: ['flexdr.coordinator'],
      'detail-type': ['DispatchCommand', 'CommandCancelled'],
      detail: { bmsIntegrationId: ['acme'] },
    };
    const event = {
      source: 'flexdr.coordinator',
      'detail-type': 'DispatchCommand',
      detail: { bmsIntegrationId: 'acme' },
    };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { bmsIntegrationId: 'other' } })).toBe(false);
  });

  it('refuses operators it does not know, rather than guess', () => {
    expect(() => matchesPattern({ source: [{ regex: '.*' }] }, ec2)).toThrow(
      /unsupported event pattern operator 'regex'/,
    );
  });
});
