// The AWS Query protocol's answer side, as ELBv2 writes it: `<OpResponse xmlns=...><OpResult>...
// </OpResult><ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>`, lists as `<member>`
// elements, timestamps in ISO 8601; errors as `<ErrorResponse><Error><Type/><Code/><Message/>
// </Error><RequestId/></ErrorResponse>` with the HTTP status of the error.
import type { AwsError, HttpAnswer } from '../contracts.js';

export const ELBV2_XMLNS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

/** What a handler returns: plain data in the API's member names (PascalCase). */
export type XmlValue = string | number | boolean | Date | XmlValue[] | XmlObject;
export interface XmlObject {
  [key: string]: XmlValue | undefined;
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function element(name: string, value: XmlValue | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${content(value)}</${name}>`;
}

function content(value: XmlValue): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => element('member', v)).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join('');
  }
  return escapeXml(String(value));
}

const XML_HEADERS = { 'content-type': 'text/xml' };

export function xmlAnswer(operation: string, result: XmlObject, requestId: string): HttpAnswer {
  const body =
    `<${operation}Response xmlns="${ELBV2_XMLNS}">` +
    `<${operation}Result>${content(result)}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${operation}Response>`;
  return { status: 200, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body };
}

export function xmlError(error: AwsError, requestId: string): HttpAnswer {
  const body =
    `<ErrorResponse xmlns="${ELBV2_XMLNS}">` +
    `<Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId>` +
    `</ErrorResponse>`;
  return { status: error.httpStatus, headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId }, body };
}
