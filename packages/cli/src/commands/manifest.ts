import type { CliContext, ExitCode } from '../cli-context';
import { StatusError } from '../cli-errors';
import { configDir } from '../config';
import { credentialsFor } from '../credentials';
import { goJsonEscape } from '../format/go-text';

type Obj = Record<string, unknown>;

/** docker's list type for the manifest list it prints (whatever the registry's index type). */
const MANIFEST_LIST_V2 = 'application/vnd.docker.distribution.manifest.list.v2+json';

/** An ocispec.Platform in Go's field order. */
function platformOf(p: Obj | undefined): Obj | undefined {
  if (!p) return undefined;
  const out: Obj = { architecture: p.architecture ?? '', os: p.os ?? '' };
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (Array.isArray(p['os.features']) && p['os.features'].length) out['os.features'] = p['os.features'];
  if (p.variant) out.variant = p.variant;
  return out;
}

/** An ocispec.Descriptor in Go's field order. */
function descriptorOf(d: Obj): Obj {
  const out: Obj = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  for (const k of ['urls', 'annotations', 'data']) if (d[k] !== undefined) out[k] = d[k];
  if (d.platform) out.platform = platformOf(d.platform as Obj);
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

/** schema2/ocischema's DeserializedManifest re-marshalled, in Go's field order. */
function manifestStruct(m: Obj, oci: boolean): Obj {
  const out: Obj = { schemaVersion: m.schemaVersion, mediaType: m.mediaType };
  if (oci && m.mediaType === undefined) delete out.mediaType;
  if (oci && m.artifactType) out.artifactType = m.artifactType;
  out.config = descriptorOf(m.config as Obj);
  out.layers = ((m.layers as Obj[] | undefined) ?? []).map(descriptorOf);
  if (oci && m.subject) out.subject = descriptorOf(m.subject as Obj);
  if (oci && m.annotations) out.annotations = m.annotations;
  return out;
}

/** Go's json.MarshalIndent / json.Indent with a tab: `"k": v`, HTML escaped as Go's encoder. */
function tabJson(v: unknown): string {
  return goJsonEscape(JSON.stringify(v, null, '\t'));
}

/**
 * `berth manifest inspect [--insecure] [-v] [LIST] NAME`: as the docker CLI, the CLI itself asks
 * the registry (through @berth/registry-client, with the credentials `berth login` stored):
 * an image manifest is printed as the registry has it (tab-indented); a manifest list or OCI
 * index as docker rebuilds it (a Docker manifest list of its platforms' manifests). `-v` prints
 * docker's ImageManifest (Ref, Descriptor with the platform, Raw, SchemaV2Manifest or
 * OCIManifest), an array of them for a list. A missing manifest: `no such manifest: REF`.
 */
export async function inspect(ctx: CliContext, argv: { names: string[]; insecure?: boolean; verbose?: boolean; config?: string }): Promise<ExitCode> {
  if (argv.names.length > 1) throw new StatusError(`${ctx.prog}: local manifest lists are not supported (no 'manifest create')`, 1);
  const name = argv.names[0]!;
  const oci = require('@berth/oci') as typeof import('@berth/oci');
  let ref: import('@berth/oci').Reference;
  try {
    ref = oci.withDefaultTag(oci.parseReference(name));
  } catch (e) {
    throw new StatusError((e as Error).message, 1);
  }
  const full = oci.formatReference(ref);
  const rc = require('@berth/registry-client') as typeof import('@berth/registry-client');
  const auth = credentialsFor(configDir({ config: argv.config }, ctx.env), ref.domain);
  const client = new rc.RegistryClient({
    ...(auth.username ? { credentials: rc.staticCredentials({ [ref.domain]: { username: auth.username, password: auth.password ?? '' } }) } : {}),
    ...(argv.insecure ? { insecureRegistries: [ref.domain] } : {}),
    retry: { attempts: 1 },
    userAgent: 'berth-cli',
  });
  const fetch = async (r: import('@berth/oci').Reference) => {
    try {
      return await client.fetchManifest(r);
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFound' || /not found|unknown/i.test((e as Error).message)) throw new StatusError(`no such manifest: ${full}`, 1);
      throw e;
    }
  };
  const top = await fetch(ref);
  const parsed = JSON.parse(top.bytes.toString('utf8')) as Obj;
  if (!oci.isIndexMediaType(top.mediaType)) {
    if (!argv.verbose) {
      ctx.io.stdout.write(`${tabJson(parsed)}\n`);
      return 0;
    }
    const config = JSON.parse((await client.fetchBlobBytes(ref, parsed.config as import('@berth/oci').Descriptor)).toString('utf8')) as Obj;
    const platform = platformOf({ architecture: config.architecture, os: config.os, 'os.version': config['os.version'], 'os.features': config['os.features'], variant: config.variant });
    ctx.io.stdout.write(`${tabJson(imageManifest(full, top, parsed, platform))}\n`);
    return 0;
  }
  const children: Obj[] = [];
  const listed: Obj[] = [];
  for (const d of (parsed.manifests as Obj[] | undefined) ?? []) {
    const childRef = { ...ref, digest: d.digest as string };
    const m = await fetch(childRef);
    if (oci.isIndexMediaType(m.mediaType)) continue;
    const child = JSON.parse(m.bytes.toString('utf8')) as Obj;
    const platform = platformOf((d.platform as Obj | undefined) ?? {});
    children.push(imageManifest(`${full}@${m.digest}`, m, child, platform));
    listed.push({ mediaType: m.mediaType, size: m.bytes.length, digest: m.digest, platform });
  }
  // the rebuilt list is distribution's manifestlist, whose own marshalling indents by three spaces
  const list = { schemaVersion: 2, mediaType: MANIFEST_LIST_V2, manifests: listed };
  ctx.io.stdout.write(`${argv.verbose ? tabJson(children) : goJsonEscape(JSON.stringify(list, null, '   '))}\n`);
  return 0;
}

/** docker's types.ImageManifest. */
function imageManifest(refString: string, m: { bytes: Buffer; mediaType: string; digest: string }, parsed: Obj, platform: Obj | undefined): Obj {
  const isOci = m.mediaType === 'application/vnd.oci.image.manifest.v1+json';
  return {
    Ref: refString,
    Descriptor: { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length, ...(platform ? { platform } : {}) },
    Raw: m.bytes.toString('base64'),
    [isOci ? 'OCIManifest' : 'SchemaV2Manifest']: manifestStruct(parsed, isOci),
  };
}
