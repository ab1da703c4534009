// Secrets reach no channel (src/secrets.ts): the Redactor every writer goes through, the secret
// parts of a URL, and a URL as it may be shown.
import { describe, expect, it } from '@jest/globals';
import { Redactor, redactUrl, urlSecrets } from '../src/secrets.js';

/** A Redactor and what it passed to the runner's mask. */
function redactor(): { redactor: Redactor; masked: string[] } {
  const masked: string[] = [];
  return { redactor: new Redactor((secret) => masked.push(secret)), masked };
}

describe('Redactor', () => {
  it('replaces every occurrence of a registered secret with ***, and masks it in the runner once', () => {
    const { redactor: r, masked } = redactor();
    r.add('ghs_token123');
    r.add('ghs_token123');
    expect(masked).toEqual(['ghs_token123']);
    expect(r.redact('token ghs_token123, again ghs_token123.')).toBe('token ***, again ***.');
  });

  it('leaves text alone when nothing is registered, or nothing matches', () => {
    const r = new Redactor();
    expect(r.redact('nothing to hide')).toBe('nothing to hide');
    r.add('s3cret');
    expect(r.redact('nothing to hide')).toBe('nothing to hide');
    expect(r.redact('')).toBe('');
  });

  it('trims what it registers and ignores blank values', () => {
    const { redactor: r, masked } = redactor();
    r.add('  padded-secret \n');
    r.add('   ');
    r.add('');
    expect(masked).toEqual(['padded-secret']);
    expect(r.redact('[padded-secret]')).toBe('[***]');
  });

  it('replaces the longest secret first, so one that contains another is replaced whole', () => {
    const r = new Redactor();
    r.add('abc');
    r.add('abcdef');
    r.add('xabcdefx');
    expect(r.redact('1 abc 2 abcdef 3 xabcdefx')).toBe('1 *** 2 *** 3 ***');
  });

  it('masks a value shorter than 3 characters in the runner but does not replace it', () => {
    const { redactor: r, masked } = redactor();
    r.add('ab');
    r.add('7');
    expect(masked).toEqual(['ab', '7']);
    expect(r.redact('a tab of 7 cabs')).toBe('a tab of 7 cabs');
    r.add('abc');
    expect(r.redact('ab abc')).toBe('ab ***');
  });

  it('takes secrets literally, regular-expression characters included', () => {
    const r = new Redactor();
    r.add('p.s*w+(d)?[x]$^|{1}\\');
    expect(r.redact('pass p.s*w+(d)?[x]$^|{1}\\ end')).toBe('pass *** end');
    expect(r.redact('pXsswwd')).toBe('pXsswwd');
  });

  it('takes a secret added after a redact into account', () => {
    const r = new Redactor();
    r.add('first-secret');
    expect(r.redact('first-secret second-secret')).toBe('*** second-secret');
    r.add('second-secret');
    expect(r.redact('first-secret second-secret')).toBe('*** ***');
  });

  it('still replaces a secret the runner could not mask', () => {
    const r = new Redactor(() => {
      throw new Error('no runner here');
    });
    expect(() => r.add('s3cret-value')).not.toThrow();
    expect(r.redact('s3cret-value')).toBe('***');
  });

  it('addUrl registers the URL’s credentials and credential query values, in the forms a message may show them', () => {
    const { redactor: r, masked } = redactor();
    r.addUrl('https://probe:pa%24%24word@web.example.com/health?token=t0k%2Fen&v=2');
    expect(masked).toEqual(
      expect.arrayContaining([
        'probe',
        'pa%24%24word',
        'pa$$word',
        't0k%2Fen',
        't0k/en',
        'token=t0k%2Fen',
        'token=t0k/en',
      ]),
    );
    // `v=2`: a value that short is not masked (it would hide every `2` in the job's log).
    expect(masked).not.toContain('2');
    expect(r.redact('GET https://probe:pa%24%24word@web.example.com/health?token=t0k%2Fen&v=2 failed')).toBe(
      'GET https://***:***@web.example.com/health?***&v=2 failed',
    );
    // The decoded password, as a library may quote it, and each query value on its own.
    expect(r.redact('password pa$$word')).toBe('password ***');
    expect(r.redact('token t0k/en, or t0k%2Fen')).toBe('token ***, or ***');
  });

  it('leaves ARNs, regions and names alone when a URL names them in its query (the state the post step reads, the outputs)', () => {
    const { redactor: r } = redactor();
    r.addUrl(
      'https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/demo/services/web-api?region=us-east-1&service=web-api',
    );
    const state =
      '{"region":"us-east-1","service":"web-api","previousTaskDefinitionArn":"arn:aws:ecs:us-east-1:123456789012:task-definition/web:2"}';
    expect(r.redact(state)).toBe(state);
    expect(r.redact('https://app.example.com/?v=2')).toBe('https://app.example.com/?v=2');
  });

  it('addUrl registers nothing for a URL without credentials or query, or one that is not a URL', () => {
    const { redactor: r, masked } = redactor();
    r.addUrl('https://web.example.com/health');
    r.addUrl('not a url');
    expect(masked).toEqual([]);
  });
});

describe('urlSecrets', () => {
  it.each<[string, string[]]>([
    ['https://web.example.com/health', []],
    // A user name or query value shorter than 5 characters is not a secret worth masking in every line.
    ['https://user@web.example.com/', []],
    ['https://deployer:pw-123@web.example.com/', ['pw-123', 'deployer']],
    ['https://user:pw-123@web.example.com/', ['pw-123']],
    // The URL's text has them percent-encoded; a message may have them decoded.
    ['https://us%20er:p%40ss@web.example.com/', ['p%40ss', 'p@ss', 'us%20er', 'us er']],
    ['https://web.example.com/?token=abc', ['token=abc']],
    ['https://web.example.com/?token=abcdef', ['abcdef', 'token=abcdef']],
    ['https://web.example.com/?auth=x+y+z', ['x y z', 'x+y+z', 'auth=x+y+z']],
    // Values that name things are not secrets: masked, they would garble ARNs, regions and names.
    ['https://console.example.com/services/web?region=us-east-1&service=web-api&v=2', []],
    ['https://web.example.com/?X-Amz-Signature=0a1b2c3d4e', ['0a1b2c3d4e', 'X-Amz-Signature=0a1b2c3d4e']],
    // A value that looks generated is a secret whatever its key.
    ['https://web.example.com/?id=AbC123dEf456GhI789', ['AbC123dEf456GhI789', 'id=AbC123dEf456GhI789']],
    ['https://web.example.com/?sig=a%2Fb%3D', ['a/b=', 'a%2Fb%3D', 'sig=a%2Fb%3D', 'sig=a/b=']],
    ['https://web.example.com/?verbose', []],
    ['not a url', []],
    ['', []],
  ])('%s', (url, secrets) => {
    expect(urlSecrets(url).sort()).toEqual([...secrets].sort());
  });

  it('keeps a value that is not valid percent-encoding as written', () => {
    expect(urlSecrets('https://u:100%25@web.example.com/')).toEqual(
      expect.arrayContaining(['100%25', '100%']),
    );
    expect(urlSecrets('https://web.example.com/?token=%E0%A4%A')).toEqual(
      expect.arrayContaining(['%E0%A4%A']),
    );
  });
});

describe('redactUrl', () => {
  it.each<[string, string]>([
    ['https://web.example.com/health', 'https://web.example.com/health'],
    ['http://127.0.0.1:8080/ready', 'http://127.0.0.1:8080/ready'],
    ['https://user:pw@web.example.com/p', 'https://***@web.example.com/p'],
    ['https://user@web.example.com/p', 'https://***@web.example.com/p'],
    ['https://web.example.com/p?token=x&b=2', 'https://web.example.com/p?***'],
    ['https://user:pw@web.example.com:8443/p?token=x#part', 'https://***@web.example.com:8443/p?***'],
    ['not a url', '<invalid URL>'],
  ])('%s -> %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('shows nothing of what urlSecrets calls secret', () => {
    const url = 'https://deployer:s3cret-pass@web.example.com/health?token=t0ken-value&mode=full';
    const shown = redactUrl(url);
    for (const secret of urlSecrets(url)) expect(shown).not.toContain(secret);
  });
});
