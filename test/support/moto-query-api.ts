/**
 * AWS's Query protocol (form-encoded POST, XML answer) against moto, for the services the project
 * has no SDK client for: IAM, STS and EC2. Used only while a suite sets up its emulator, before
 * moto enforces IAM: moto then checks no signature, only the credential scope, which tells it
 * the service and the region.
 */

/** Query API versions of the services used. */
const VERSIONS: Readonly<Record<string, string>> = { iam: '2010-05-08', sts: '2011-06-15', ec2: '2016-11-15' };

/** Calls `action` of `service` with `params`; returns the XML body, or throws with moto's error text. */
export async function motoQuery(
  endpoint: string,
  service: 'iam' | 'sts' | 'ec2',
  action: string,
  params: Record<string, string> = {},
  region = 'us-east-1',
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: VERSIONS[service] as string, ...params });
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=setup/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: body.toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${service}:${action} at ${endpoint}: HTTP ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Every text of `<tag>…</tag>` in an XML answer, in order. */
export function xmlValues(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1] as string);
}

/** The first text of `<tag>…</tag>`; throws naming the tag when there is none. */
export function xmlValue(xml: string, tag: string): string {
  const [value] = xmlValues(xml, tag);
  if (value === undefined) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return value;
}
