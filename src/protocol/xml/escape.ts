// Attribute/text escaping for the few places that write XML by hand (stream headers).
import * as ltx from 'ltx';

export function escapeXml(value: string): string {
  return ltx.escapeXML(value);
}
