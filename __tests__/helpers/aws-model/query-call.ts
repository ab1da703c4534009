// One AWS Query call (ELBv2) against the service model. The request: `Action` naming the operation,
// `Version` the API version, every other parameter a path into the input shape. A 200 answer:
// `<OpResponse xmlns="<namespace>"><OpResult>output</OpResult><ResponseMetadata><RequestId/>
// </ResponseMetadata></OpResponse>`. An error: `<ErrorResponse xmlns><Error><Type>Sender|Receiver
// </Type><Code/><Message/></Error><RequestId/></ErrorResponse>` with the code's HTTP status.
import { knownError } from './errors.js';
import type { OperationDef, ServiceModel } from './model.js';
import type { Report } from './problem.js';
import { checkText } from './text-shape.js';
import { formToTree, xmlToTree } from './text-tree.js';
import type { TextNode } from './text-tree.js';
import type { WireCall } from './json-call.js';

export function checkQueryCall(
  model: ServiceModel,
  operation: OperationDef,
  call: WireCall,
  report: { request: Report; response: Report; error: Report },
): void {
  checkRequest(model, operation, call.request, report.request);
  if (call.response === undefined) return;
  if (call.status === 200) checkAnswer(model, operation, call.response, report.response);
  else checkError(model, operation, call.status, call.response, report.error);
}

function checkRequest(model: ServiceModel, operation: OperationDef, body: string, report: Report): void {
  const params = new URLSearchParams(body);
  if (params.get('Action') !== operation.name)
    report('$.Action', `is '${params.get('Action')}', not ${operation.name}`);
  if (params.get('Version') !== model.metadata.apiVersion)
    report('$.Version', `is '${params.get('Version')}', not ${model.metadata.apiVersion}`);
  const { tree, duplicates } = formToTree(body);
  for (const key of duplicates) report(`$.${key}`, 'parameter given more than once');
  if (operation.input) checkText(model, operation.input.shape, tree, '$', 'form', report);
}

function only(node: TextNode, name: string): TextNode | undefined {
  const found = node.children.filter((c) => c.name === name);
  return found.length === 1 ? found[0]?.node : undefined;
}

function checkEnvelope(
  model: ServiceModel,
  xml: string,
  rootName: string,
  report: Report,
): TextNode | undefined {
  const doc = xmlToTree(xml);
  if ('error' in doc) {
    report('$', doc.error);
    return undefined;
  }
  if (doc.name !== rootName) {
    report('$', `the document element is <${doc.name}>, not <${rootName}>`);
    return undefined;
  }
  if (doc.attributes['xmlns'] !== model.metadata.xmlNamespace)
    report('$', `xmlns is '${doc.attributes['xmlns']}', not ${model.metadata.xmlNamespace}`);
  return doc.node;
}

function checkRequestId(node: TextNode | undefined, path: string, report: Report): void {
  if (!node || node.children.length > 0 || node.text.trim() === '') report(path, 'a RequestId is required');
}

function checkAnswer(model: ServiceModel, operation: OperationDef, xml: string, report: Report): void {
  const root = checkEnvelope(model, xml, `${operation.name}Response`, report);
  if (!root) return;
  const wrapper = operation.output?.resultWrapper ?? `${operation.name}Result`;
  for (const { name } of root.children) {
    if (name !== wrapper && name !== 'ResponseMetadata')
      report(`$`, `unexpected element <${name}> in the answer`);
  }
  const metadata = only(root, 'ResponseMetadata');
  if (!metadata) report('$', 'exactly one <ResponseMetadata> is required');
  else checkRequestId(only(metadata, 'RequestId'), '$.ResponseMetadata.RequestId', report);
  if (!operation.output) return;
  const result = only(root, wrapper);
  if (!result) {
    report('$', `exactly one <${wrapper}> is required`);
    return;
  }
  checkText(model, operation.output.shape, result, '$', 'xml', report);
}

function checkError(
  model: ServiceModel,
  operation: OperationDef,
  status: number,
  xml: string,
  report: Report,
): void {
  const root = checkEnvelope(model, xml, 'ErrorResponse', report);
  if (!root) return;
  for (const { name } of root.children) {
    if (name !== 'Error' && name !== 'RequestId') report('$', `unexpected element <${name}> in the error`);
  }
  checkRequestId(only(root, 'RequestId'), '$.RequestId', report);
  const error = only(root, 'Error');
  if (!error) {
    report('$', 'exactly one <Error> is required');
    return;
  }
  const text = (name: string): string | undefined => {
    const node = only(error, name);
    return node && node.children.length === 0 ? node.text : undefined;
  };
  for (const { name } of error.children) {
    if (name !== 'Type' && name !== 'Code' && name !== 'Message')
      report(`$.Error.${name}`, `unexpected element <${name}> in <Error>`);
  }
  const code = text('Code');
  const type = text('Type');
  if (text('Message') === undefined) report('$.Error.Message', 'an error has one <Message>');
  if (code === undefined || code === '') {
    report('$.Error.Code', 'an error has one <Code>');
    return;
  }
  const known = knownError(model, operation, code);
  if (!known) {
    report('$.Error.Code', `'${code}' is neither an error of the model nor a common error`);
    return;
  }
  if (!known.declared) report('$.Error.Code', `${operation.name} does not declare the error ${code}`);
  if (!known.status(status))
    report('$', `${code} is answered with HTTP ${status}, not the status AWS gives it`);
  if (type !== known.fault) report('$.Error.Type', `is '${type}', ${code} is a ${known.fault} fault`);
}
