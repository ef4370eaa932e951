// Attribute/text escaping for the few places that write XML by hand (stream headers).
// The CommonJS build: the same Element class @xmpp/xml uses, so elements pass instanceof checks in xmpp.js.
import * as ltx from 'ltx/lib/ltx.js';

export function escapeXml(value: string): string {
  return ltx.escapeXML(value);
}
