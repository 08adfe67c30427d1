import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CancelledError, FailedPreconditionError, InvalidArgumentError, NotFoundError, messageOf } from '@berth/errdefs';
import { fsAt } from '@berth/fs';
import { hasWildcards, hostPlatform, parsePlatform, platformMatches, rootfsOf, type HealthConfig, type ImageConfig, type ImageRunConfig } from '@berth/oci';
import type { BuildBackend, BuildImage } from './build-backend';
import { SourceRoot, closeEntries, hashSources, type FileDigests, type SourceEntry } from './build-context';
import { parseDockerfile, parseError, parseJsonForm, type Instruction } from './dockerfile-parser';
import { goQuoteList, keyValueWords, parseDuration, splitKeepingQuotes } from './instruction-args';
import { holdChild, holdInRoot, resolvePathInRoot, type HeldPath } from './safe-path';
import { ShellLex } from './shell-lex';
import { StagingTree, copyFileAt, realDirectory, reopenDir, removeAt, setMeta, writeSymlink, type StagedDir } from './staging-tree';
import { RunFailedError } from './run-failed-error';

/** Build args usable without an ARG line, and left out of the RUN cache key (docker's list). */
export const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

const DEFAULT_SHELL = ['/bin/sh', '-c'];
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `R`: the build containers' settings, opaque here (the backend's; RunStepOptions). */
export interface BuildOptions<R = unknown> {
  /** The extracted build context. */
  contextDir: string;
  /** Dockerfile path inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** Scratch space for COPY/ADD layers (same filesystem as the layer store is best). */
  tmpDir: string;
  tags?: string[];
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Remove intermediate containers after a successful step (default true). */
  rm?: boolean;
  /** Remove them even after a failed step. */
  forceRm?: boolean;
  /** Always pull FROM images. */
  pull?: boolean;
  platform?: string;
  /**
   * `--cache-from`: images whose build cache may be used. Given, and none of them is here, the
   * build uses no local cache (docker's legacy builder: cache hits must come from a source).
   */
  cacheFrom?: string[];
  /** `--add-host` entries (`host:ip`) for the RUN containers' /etc/hosts. */
  extraHosts?: string[];
  /** `--network`: the RUN containers' HostConfig.NetworkMode (default, none, host, a network). */
  networkMode?: string;
  /** Given to every build container as it is (the daemon: `--memory`, `--shm-size`, `--ulimit`... as HostConfig). */
  resources?: R;
  /**
   * sha256/size of the context's regular files by relative path, when the caller hashed them
   * while extracting the context tar (saves a second read for COPY's cache key).
   */
  contextDigests?: FileDigests;
  signal?: AbortSignal;
}

/** Where the build's text goes: docker's `{"stream": ...}` and `{"aux": ...}` messages. */
export interface BuildOutput {
  stream(text: string): void;
  aux(value: Record<string, unknown>): void;
}

export interface BuildResult {
  imageId: string;
  tags: string[];
}

interface Stage {
  name?: string;
  from: Instruction;
  commands: Instruction[];
}

interface StageState {
  image?: BuildImage;
  config: ImageRunConfig;
  /** ARGs declared in this stage, with their value. */
  args: Map<string, string | undefined>;
  cmdSet: boolean;
}

/**
 * The legacy builder (docker's `builder/dockerfile`): each instruction makes a child image of the
 * previous one; metadata steps make an empty-layer image whose container_config.Cmd is
 * `<shell> #(nop)  <INSTRUCTION ...>`, RUN commits a container, COPY/ADD commit a directory. A
 * step is a cache hit when an image with the same parent and the same container_config.Cmd
 * exists (for COPY/ADD the Cmd carries the content hash of the sources).
 */
export class Builder<R = unknown> {
  constructor(private readonly backend: BuildBackend<R>) {}

  async build(opts: BuildOptions<R>, out: BuildOutput): Promise<BuildResult> {
    let cacheSources: BuildImage[] | undefined;
    if (opts.cacheFrom?.length && !opts.noCache) {
      const found = await Promise.all(opts.cacheFrom.map((r) => this.backend.findImage(r).catch(() => undefined)));
      cacheSources = found.filter((x): x is BuildImage => x !== undefined);
      if (cacheSources.length === 0) opts = { ...opts, noCache: true };
    }
    const dockerfileName = opts.dockerfile || 'Dockerfile';
    const dfPath = path.resolve(opts.contextDir, dockerfileName);
    if (!dfPath.startsWith(path.resolve(opts.contextDir) + path.sep)) {
      throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${dockerfileName}`);
    }
    // read in the context's scope (a Dockerfile that is a symlink resolves inside the context, as docker's)
    const text = await readInRoot(opts.contextDir, path.relative(opts.contextDir, dfPath));
    if (text === undefined) throw new InvalidArgumentError(`Cannot locate specified Dockerfile: ${dockerfileName}`);
    // moby readAndParseDockerfile: an empty file, then the parser's "file with no instructions" (comments only)
    if (text.length === 0) throw new InvalidArgumentError(`the Dockerfile (${dockerfileName}) cannot be empty`);
    const parsed = parseDockerfile(text);
    if (parsed.instructions.length === 0) throw new InvalidArgumentError(`failed to parse ${dockerfileName}: file with no instructions`);
    const lex = new ShellLex(parsed.escape);
    const ignoreText = await readInRoot(opts.contextDir, '.dockerignore');
    // docker (builder/remotecontext/detect.go removeDockerfile): once read, the Dockerfile and
    // .dockerignore leave the context when .dockerignore lists them, like any other file
    const context = new SourceRoot(path.resolve(opts.contextDir), ignoreText);

    // meta args, then stages
    const metaArgs: Instruction[] = [];
    const stages: Stage[] = [];
    for (const inst of parsed.instructions) {
      if (inst.keyword === 'FROM') {
        const words = inst.args.split(/\s+/);
        let name: string | undefined;
        if (words.length === 3 && words[1]!.toUpperCase() === 'AS') name = words[2]!.toLowerCase();
        else if (words.length !== 1) throw parseError(inst.line, 'FROM requires either one or three arguments');
        if (name !== undefined && !/^[a-z][a-z0-9._-]*$/.test(name)) throw parseError(inst.line, `invalid name for build stage: "${name}", name can't start with a number or contain symbols`);
        stages.push({ ...(name !== undefined ? { name } : {}), from: inst, commands: [] });
      } else if (stages.length === 0) {
        // (moby instructions.Parse: CurrentStage's error, without the parse error's line prefix)
        if (inst.keyword !== 'ARG') throw new InvalidArgumentError('no build stage in current context');
        metaArgs.push(inst);
      } else stages[stages.length - 1]!.commands.push(inst);
    }
    let last = stages.length - 1;
    if (opts.target) {
      last = stages.findIndex((s) => s.name === opts.target!.toLowerCase());
      if (last < 0) throw new InvalidArgumentError(`failed to reach build target ${opts.target} in Dockerfile`);
    }
    const used = stages.slice(0, last + 1);
    if (opts.labels && Object.keys(opts.labels).length > 0 && used.length > 0) {
      const kv = Object.keys(opts.labels).sort().map((k) => `${k}=${opts.labels![k]}`);
      const text = `LABEL ${kv.join(' ')}`;
      used[used.length - 1]!.commands.push({ keyword: 'LABEL', rest: kv.join(' '), flags: {}, args: '', line: 0, original: text, labelsParam: opts.labels } as Instruction & { labelsParam: Record<string, string> });
    }
    const total = metaArgs.length + used.reduce((n, s) => n + 1 + s.commands.length, 0);
    let stepNo = 0;
    const step = (inst: Instruction): void => {
      stepNo++;
      out.stream(`Step ${stepNo}/${total} : ${inst.original}`);
      out.stream('\n');
    };

    const buildArgs = opts.buildArgs ?? {};
    const consumed = new Set<string>();
    const meta = new Map<string, string | undefined>();
    for (const inst of metaArgs) {
      step(inst);
      for (const { key, value } of keyValueWords(inst, parsed.escape)) {
        const def = value === undefined ? undefined : lex.processWord(value, (n) => meta.get(n));
        consumed.add(key);
        const given = buildArgs[key];
        meta.set(key, given !== undefined && given !== null ? given : def);
      }
    }

    const platform = opts.platform ? parsePlatform(opts.platform) : undefined;
    if (platform && !platformMatches(hostPlatform(), platform)) {
      throw new InvalidArgumentError(`platform ${opts.platform}: only the host platform can be built here`);
    }

    const stageResults: Array<BuildImage | undefined> = [];
    const ctx: Ctx<R> = { opts, out, lex, escape: parsed.escape, context, buildArgs, consumed, stageResults, stages: used, meta, ...(cacheSources?.length ? { cacheSources } : {}) };
    let final: StageState | undefined;
    for (let si = 0; si < used.length; si++) {
      const stage = used[si]!;
      step(stage.from);
      const st = await this.from(ctx, stage, si);
      for (const inst of stage.commands) {
        this.checkAbort(opts.signal);
        step(inst);
        await this.dispatch(ctx, st, inst);
        if (st.image) out.stream(` ---> ${short(st.image.id)}\n`);
      }
      stageResults[si] = st.image;
      final = st;
    }
    if (!final?.image) throw new InvalidArgumentError('No image was generated. Is your Dockerfile empty?');
    const unused = Object.keys(buildArgs).filter((k) => !consumed.has(k) && !PROXY_ARGS.includes(k)).sort();
    if (unused.length) out.stream(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
    const id = final.image.id;
    out.aux({ ID: id });
    out.stream(`Successfully built ${short(id)}\n`);
    for (const t of opts.tags ?? []) {
      await this.backend.tag(id, t);
      out.stream(`Successfully tagged ${t}\n`);
    }
    return { imageId: id, tags: opts.tags ?? [] };
  }

  private checkAbort(signal?: AbortSignal): void {
    if (signal?.aborted) throw new FailedPreconditionError('build: cancelled');
  }

  // ------------------------------------------------------------------ FROM

  private async from(ctx: Ctx<R>, stage: Stage, index: number): Promise<StageState> {
    const word = stage.from.args.split(/\s+/)[0]!;
    const ref = ctx.lex.processWord(word, (n) => ctx.meta.get(n));
    if (stage.from.flags['platform']) {
      const p = ctx.lex.processWord(stage.from.flags['platform'], (n) => ctx.meta.get(n));
      if (!platformMatches(hostPlatform(), parsePlatform(p))) throw new InvalidArgumentError(`FROM --platform=${p}: only the host platform can be built here`);
    }
    const st: StageState = { config: {}, args: new Map(), cmdSet: false };
    if (ref.toLowerCase() === 'scratch') {
      st.config = { Env: [`PATH=${DEFAULT_PATH}`] };
      // moby prints the stage's image ID after FROM: none for scratch
      ctx.out.stream(' ---> \n');
      return st;
    }
    const prev = ctx.stages.findIndex((s, i) => i < index && s.name === ref.toLowerCase());
    let image: BuildImage | undefined;
    if (prev >= 0) image = ctx.stageResults[prev];
    else {
      image = ctx.opts.pull ? undefined : await this.backend.findImage(ref);
      if (!image) {
        if (!this.backend.pullImage) throw new NotFoundError(`pull access denied for ${ref}, repository does not exist or may require 'docker login'`);
        image = await this.backend.pullImage(ref, {
          ...(ctx.opts.platform ? { platform: ctx.opts.platform } : {}),
          onStatus: (line) => ctx.out.stream(`${line}\n`),
          ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}),
        });
      }
    }
    if (image) {
      st.image = image;
      st.config = structuredClone(image.config.config ?? {});
      // docker adds the default PATH when the base image has none (an imported rootfs)
      if (!(st.config.Env ?? []).some((e) => e.startsWith('PATH='))) st.config.Env = [...(st.config.Env ?? []), `PATH=${DEFAULT_PATH}`];
      ctx.out.stream(` ---> ${short(image.id)}\n`);
      const triggers = st.config.OnBuild ?? [];
      if (triggers.length > 0) {
        ctx.out.stream(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
        st.config.OnBuild = null;
        for (const t of triggers) {
          const inst = parseDockerfile(t).instructions[0];
          if (!inst) continue;
          if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(inst.keyword)) throw new InvalidArgumentError(`${inst.keyword} isn't allowed as an ONBUILD trigger`);
          await this.dispatch(ctx, st, inst);
        }
      }
    } else {
      st.config = { Env: [`PATH=${DEFAULT_PATH}`] };
    }
    return st;
  }

  // ------------------------------------------------------------------ dispatch

  private async dispatch(ctx: Ctx<R>, st: StageState, inst: Instruction): Promise<void> {
    const vars = (n: string): string | undefined => lookupVar(st, n, ctx);
    const word = (w: string): string => ctx.lex.processWord(w, vars);
    const c = st.config;
    switch (inst.keyword) {
      case 'ENV': {
        const pairs = keyValueWords(inst, ctx.escape).map(({ key, value }) => ({ key: word(key), value: word(value ?? '') }));
        for (const { key, value } of pairs) setEnv(c, key, value);
        return this.metaStep(ctx, st, `ENV ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
      }
      case 'LABEL': {
        const lp = (inst as Instruction & { labelsParam?: Record<string, string> }).labelsParam;
        const pairs = lp
          ? Object.keys(lp).sort().map((k) => ({ key: k, value: lp[k]! }))
          : keyValueWords(inst, ctx.escape).map(({ key, value }) => ({ key: word(key), value: word(value ?? '') }));
        // own properties (fromEntries): a label named `__proto__` is a label, as in Go
        c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs.map((p) => [p.key, p.value])) };
        return this.metaStep(ctx, st, `LABEL ${pairs.map((p) => `${p.key}=${p.value}`).join(' ')}`);
      }
      case 'MAINTAINER':
        return this.metaStep(ctx, st, `MAINTAINER ${inst.args}`);
      case 'ARG': {
        const parts: string[] = [];
        for (const { key, value } of keyValueWords(inst, ctx.escape)) {
          const def = value === undefined ? undefined : word(value);
          ctx.consumed.add(key);
          const given = ctx.buildArgs[key];
          let v = given !== undefined && given !== null ? given : def;
          if (v === undefined && ctx.meta.has(key)) v = ctx.meta.get(key);
          st.args.set(key, v);
          parts.push(def === undefined ? key : `${key}=${def}`);
        }
        return this.metaStep(ctx, st, `ARG ${parts.join(' ')}`);
      }
      case 'WORKDIR': {
        let p = word(inst.args);
        if (!p.startsWith('/')) p = path.posix.join(c.WorkingDir || '/', p);
        p = path.posix.normalize(p);
        if (p.length > 1) p = p.replace(/\/+$/, '');
        c.WorkingDir = p;
        return this.workdirStep(ctx, st, p);
      }
      case 'USER':
        c.User = word(inst.args);
        return this.metaStep(ctx, st, `USER ${c.User}`);
      case 'EXPOSE': {
        const ports = ctx.lex.processWords(inst.args, vars);
        c.ExposedPorts = { ...(c.ExposedPorts ?? {}) };
        for (const p of ports) for (const k of expandPort(p, inst)) c.ExposedPorts[k] = {};
        return this.metaStep(ctx, st, `EXPOSE ${ports.join(' ')}`);
      }
      case 'VOLUME': {
        const vols = inst.json ? inst.json.map(word) : ctx.lex.processWords(inst.args, vars);
        for (const v of vols) if (v.trim() === '') throw new InvalidArgumentError('VOLUME specified can not be an empty string');
        c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(vols.map((v) => [v, {}])) };
        return this.metaStep(ctx, st, `VOLUME [${vols.join(' ')}]`);
      }
      case 'STOPSIGNAL': {
        const s = word(inst.args);
        if (!/^(SIG)?[A-Z0-9+-]+$/i.test(s)) throw new InvalidArgumentError(`Invalid signal: ${s}`);
        c.StopSignal = s;
        return this.metaStep(ctx, st, `STOPSIGNAL ${s}`);
      }
      case 'CMD': {
        c.Cmd = inst.json ?? [...(c.Shell ?? DEFAULT_SHELL), inst.args];
        st.cmdSet = true;
        return this.metaStep(ctx, st, `CMD ${goQuoteList(c.Cmd)}`);
      }
      case 'ENTRYPOINT': {
        c.Entrypoint = inst.json ?? (inst.args === '' ? null : [...(c.Shell ?? DEFAULT_SHELL), inst.args]);
        if (!st.cmdSet) c.Cmd = null;
        return this.metaStep(ctx, st, `ENTRYPOINT ${goQuoteList(c.Entrypoint ?? [])}`);
      }
      case 'SHELL': {
        if (!inst.json || inst.json.length === 0) throw parseError(inst.line, 'SHELL requires the arguments to be in JSON form');
        c.Shell = inst.json;
        // moby: fmt.Sprintf("SHELL %v", Shell): Go's %v of a []string, unquoted
        return this.metaStep(ctx, st, `SHELL [${inst.json.join(' ')}]`);
      }
      case 'HEALTHCHECK': {
        const h = healthcheck(inst, c.Shell ?? DEFAULT_SHELL);
        c.Healthcheck = h;
        return this.metaStep(ctx, st, `HEALTHCHECK &{${goQuoteList(h.Test ?? [])} "${fmtDur(h.Interval)}" "${fmtDur(h.Timeout)}" "${fmtDur(h.StartPeriod)}" '\\x${(h.Retries ?? 0).toString(16).padStart(2, '0')}'}`);
      }
      case 'ONBUILD': {
        const trigger = parseDockerfile(inst.args).instructions[0];
        if (!trigger) throw parseError(inst.line, 'ONBUILD requires at least one argument');
        if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger.keyword)) throw parseError(inst.line, `${trigger.keyword} isn't allowed as an ONBUILD trigger`);
        c.OnBuild = [...(c.OnBuild ?? []), inst.args];
        return this.metaStep(ctx, st, `ONBUILD ${inst.args}`);
      }
      case 'RUN':
        return this.runStep(ctx, st, inst);
      case 'COPY':
      case 'ADD':
        return this.copyStep(ctx, st, inst);
      default:
        throw parseError(inst.line, `unknown instruction: ${inst.keyword}`);
    }
  }

  // ------------------------------------------------------------------ steps

  /** moby's withCmdComment (metadata steps): `#(nop) ` and the comment, two words (two spaces when joined). */
  private nopCmd(st: StageState, comment: string): string[] {
    return [...(st.config.Shell ?? DEFAULT_SHELL), '#(nop) ', comment];
  }

  /** moby's withCmdCommentString (COPY, ADD, WORKDIR): one word, `#(nop) <comment>` (one space). */
  private nopCmdString(st: StageState, comment: string): string[] {
    return [...(st.config.Shell ?? DEFAULT_SHELL), `#(nop) ${comment}`];
  }

  /**
   * A cached child of the current image with this container_config.Cmd, if any. With `cachefrom`
   * images (docker's classic builder, moby image/cache): a local hit counts only when it is one of
   * them or an ancestor of one; else a source whose history extends the current image's by
   * exactly this step (same earlier history and layers, its last entry created by this Cmd) is
   * the hit itself.
   */
  private async probeCache(ctx: Ctx<R>, st: StageState, cmd: string[]): Promise<BuildImage | undefined> {
    if (ctx.opts.noCache) return undefined;
    const probe: ImageRunConfig = { ...st.config, Cmd: cmd };
    const kids = await this.backend.children(st.image?.id);
    let hits = kids.filter((k) => sameCacheConfig(k.config.container_config, probe));
    const sources = ctx.cacheSources;
    if (sources) {
      const ok: BuildImage[] = [];
      for (const h of hits) if (await this.isAncestorOfAny(h.id, sources)) ok.push(h);
      hits = ok;
      if (hits.length === 0) return this.probeSources(ctx, st, cmd, sources);
    }
    hits.sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0));
    return hits[0];
  }

  /**
   * moby image/cache's GetCache over the `cachefrom` images: a source whose history starts with
   * the current image's and whose next entry was created by this Cmd. Its last entry: the source
   * itself is the hit. An earlier one: the step's image is restored from the source (the current
   * image's history and layers plus that entry and its layer, the step's config, the current
   * image as parent; the same ID each time), and the following steps look only at that source.
   */
  private async probeSources(ctx: Ctx<R>, st: StageState, cmd: string[], sources: BuildImage[]): Promise<BuildImage | undefined> {
    const createdBy = cmd.join(' ');
    const parentHistory = st.image?.config.history ?? [];
    const n = parentHistory.length;
    const s = sources.find((x) => isHistoryPrefix(x, st.image) && (x.config.history ?? [])[n]?.created_by === createdBy);
    if (!s) return undefined;
    const h = s.config.history!;
    if (h.length === n + 1) {
      // moby: the source hangs below the current image from now on (its history, `docker history`'s IDs)
      if (st.image) await this.reparent(s, st.image.id);
      return s;
    }
    if (!this.backend.createImage) return undefined;
    // the layer of history entry n: the source's layers are its non-empty entries, in order
    const layerIndex = h.slice(0, n).filter((e) => !e.empty_layer).length;
    const diffIds = [...(st.image?.config.rootfs.diff_ids ?? [])];
    if (!h[n]!.empty_layer) {
      const layer = s.config.rootfs.diff_ids[layerIndex];
      if (!layer) return undefined;
      diffIds.push(layer);
    }
    const config: ImageConfig = {
      architecture: s.config.architecture,
      os: s.config.os,
      ...(s.config.variant ? { variant: s.config.variant } : {}),
      ...(s.config.author ? { author: s.config.author } : {}),
      ...(h[n]!.created ? { created: h[n]!.created } : {}),
      config: structuredClone(st.config),
      container_config: { ...structuredClone(st.config), Cmd: cmd },
      rootfs: rootfsOf(diffIds),
      history: [...parentHistory, h[n]!],
    };
    const restored = await this.backend.createImage(config, st.image?.id);
    // an image restored before (same ID) may hang below another parent: moby sets it again
    if (st.image) await this.reparent(restored, st.image.id);
    ctx.cacheSources = [s];
    return restored;
  }

  /** moby's ic.store.SetParent(image, parent), when the backend can and the parent differs. */
  private async reparent(img: BuildImage, parent: string): Promise<void> {
    if (!this.backend.setParent || img.parent === parent) return;
    try {
      await this.backend.setParent(img.id, parent);
      img.parent = parent;
    } catch (e) {
      // a parent chain that would loop (only odd committed/imported histories can ask for it): left as it is
      if (!(e instanceof InvalidArgumentError)) throw e;
    }
  }

  /** `id` is one of `sources` or a parent, grandparent... of one (by the images' recorded parents). */
  private async isAncestorOfAny(id: string, sources: BuildImage[]): Promise<boolean> {
    for (const s of sources) {
      let cur: BuildImage | undefined = s;
      for (let depth = 0; cur && depth < 1000; depth++) {
        if (cur.id === id) return true;
        cur = cur.parent ? await this.backend.findImage(cur.parent) : undefined;
      }
    }
    return false;
  }

  private useCache(ctx: Ctx<R>, st: StageState, hit: BuildImage): void {
    ctx.out.stream(' ---> Using cache\n');
    st.image = hit;
    st.config = structuredClone(hit.config.config ?? {});
  }

  private async metaStep(ctx: Ctx<R>, st: StageState, comment: string): Promise<void> {
    const cmd = this.nopCmd(st, comment);
    const hit = await this.probeCache(ctx, st, cmd);
    if (hit) return this.useCache(ctx, st, hit);
    await this.withStepContainer(ctx, st, cmd, (from) => this.commit(ctx, st, cmd, { ...from, emptyLayer: true }));
  }

  /**
   * Docker's legacy builder commits metadata steps (and WORKDIR) from a container it creates and
   * never starts: `Running in <id>`, then `Removing intermediate container <id>` (with rm).
   */
  private async withStepContainer(ctx: Ctx<R>, st: StageState, cmd: string[], fn: (from: { containerId?: string }) => Promise<void>): Promise<void> {
    if (!this.backend.createContainer) return fn({});
    // after FROM scratch too: moby creates the container with no image (Config.Image '')
    const id = await this.backend.createContainer(st.image?.id, { ...st.config, Cmd: cmd }, ctx.opts.resources);
    ctx.out.stream(` ---> Running in ${short(id)}\n`);
    try {
      await fn({ containerId: id });
    } catch (e) {
      // a container that never ran holds nothing worth keeping for a post-mortem
      await this.backend.removeContainer(id).catch(() => undefined);
      throw e;
    }
    if (ctx.opts.rm !== false || ctx.opts.forceRm) await this.removeIntermediate(ctx, id);
  }

  private async commit(ctx: Ctx<R>, st: StageState, cmd: string[], from: { containerId?: string; layerDir?: string; emptyLayer?: boolean }): Promise<void> {
    // moby: runConfig.Image is the image the step started from (dispatchState.updateRunConfig), in
    // both configs; the step's container got its short ID as Hostname at create, which the
    // container_config shares (trace 120-save)
    const image = st.image?.id ?? '';
    const img = await this.backend.commit({
      ...(st.image ? { parent: st.image.id } : {}),
      ...from,
      config: { ...st.config, Image: image },
      containerConfig: { ...st.config, Image: image, Cmd: cmd, ...(from.containerId ? { Hostname: from.containerId.slice(0, 12) } : {}) },
      createdBy: cmd.join(' '),
      ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}),
    });
    st.image = img;
  }

  private async workdirStep(ctx: Ctx<R>, st: StageState, dir: string): Promise<void> {
    const cmd = this.nopCmdString(st, `WORKDIR ${dir}`);
    const hit = await this.probeCache(ctx, st, cmd);
    if (hit) return this.useCache(ctx, st, hit);
    const staging = await StagingTree.create(ctx.opts.tmpDir, 'build-workdir-');
    try {
      // docker creates the directory the path resolves to in the image (symlinks followed in its scope)
      const created = await this.withStageRoot(st, async (root) => {
        const made = await this.stageParents(root, staging, root ? resolvePathInRoot(root, dir) : dir, undefined);
        made.dir.close();
        return made.missing;
      });
      await this.withStepContainer(ctx, st, cmd, (from) => this.commit(ctx, st, cmd, created ? { ...from, layerDir: staging.path } : { ...from, emptyLayer: true }));
    } finally {
      await staging.remove();
    }
  }

  private async runStep(ctx: Ctx<R>, st: StageState, inst: Instruction): Promise<void> {
    const shell = st.config.Shell ?? DEFAULT_SHELL;
    const cmd = inst.json ?? [...shell, inst.args];
    // build args in scope, not shadowed by ENV: in the container's env and (but for proxies) in the key
    const envKeys = new Set((st.config.Env ?? []).map((e) => e.split('=')[0]));
    const argEnv: string[] = [];
    const keyArgs: string[] = [];
    for (const [k, v] of [...st.args.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (v === undefined || envKeys.has(k)) continue;
      argEnv.push(`${k}=${v}`);
      if (!PROXY_ARGS.includes(k)) keyArgs.push(`${k}=${v}`);
    }
    for (const p of PROXY_ARGS) {
      const v = ctx.buildArgs[p];
      if (v !== undefined && v !== null && !st.args.has(p)) argEnv.push(`${p}=${v}`);
    }
    const saveCmd = keyArgs.length ? [`|${keyArgs.length}`, ...keyArgs, ...cmd] : cmd;
    const hit = await this.probeCache(ctx, st, saveCmd);
    if (hit) return this.useCache(ctx, st, hit);
    let containerId: string | undefined;
    const { exitCode } = await this.backend.runContainer({
      // after FROM scratch: a container with no image, whose start fails as Docker's (no /bin/sh)
      imageId: st.image?.id,
      config: { ...st.config, Cmd: cmd, Entrypoint: null, Env: [...(st.config.Env ?? []), ...argEnv] },
      onCreated: (id) => {
        containerId = id;
        ctx.out.stream(` ---> Running in ${short(id)}\n`);
      },
      onOutput: (chunk) => ctx.out.stream(chunk.toString('utf8')),
      ...(ctx.opts.extraHosts?.length ? { extraHosts: ctx.opts.extraHosts } : {}),
      ...(ctx.opts.networkMode ? { networkMode: ctx.opts.networkMode } : {}),
      ...(ctx.opts.resources ? { resources: ctx.opts.resources } : {}),
      ...(ctx.opts.signal ? { signal: ctx.opts.signal } : {}),
    }).catch(async (e: unknown) => {
      if (containerId && (ctx.opts.forceRm || ctx.opts.signal?.aborted)) await this.removeIntermediate(ctx, containerId);
      throw e;
    });
    const cid = containerId!;
    if (exitCode !== 0) {
      if (ctx.opts.forceRm || ctx.opts.signal?.aborted) await this.removeIntermediate(ctx, cid);
      throw new RunFailedError(`The command '${cmd.join(' ')}' returned a non-zero code: ${exitCode}`, exitCode);
    }
    try {
      await this.commit(ctx, st, saveCmd, { containerId: cid });
    } catch (e) {
      if (ctx.opts.forceRm || ctx.opts.signal?.aborted) await this.removeIntermediate(ctx, cid);
      throw e;
    }
    if (ctx.opts.rm !== false || ctx.opts.forceRm) await this.removeIntermediate(ctx, cid);
  }

  private async removeIntermediate(ctx: Ctx<R>, id: string): Promise<void> {
    ctx.out.stream(`Removing intermediate container ${short(id)}\n`);
    await this.backend.removeContainer(id).catch(() => undefined);
  }

  private async copyStep(ctx: Ctx<R>, st: StageState, inst: Instruction): Promise<void> {
    const name = inst.keyword;
    const vars = (n: string): string | undefined => lookupVar(st, n, ctx);
    for (const f of Object.keys(inst.flags)) {
      if (!['from', 'chown', 'chmod'].includes(f) || (f === 'from' && name === 'ADD')) throw parseError(inst.line, `Unknown flag: ${f}`);
    }
    let words = inst.json ? inst.json.map((w) => ctx.lex.processWord(w, vars)) : splitKeepingQuotes(inst.args, ctx.escape).map((w) => ctx.lex.processWord(w, vars));
    if (words.length < 2) throw parseError(inst.line, `${name} requires at least two arguments, but only one was provided. Destination could not be determined.`);
    const destWord = words[words.length - 1]!;
    words = words.slice(0, -1);
    let dest = destWord;
    const wantsDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
    dest = path.posix.normalize(dest.startsWith('/') ? dest : path.posix.join(st.config.WorkingDir || '/', dest)).replace(/\/+$/, '');
    if (wantsDir || dest === '') dest += '/';
    const destIsDirSyntax = dest.endsWith('/');

    // where the sources come from
    const fromFlag = inst.flags['from'] !== undefined ? ctx.lex.processWord(inst.flags['from'], vars) : undefined;
    const chown = inst.flags['chown'] !== undefined ? ctx.lex.processWord(inst.flags['chown'], vars) : undefined;
    const chmod = inst.flags['chmod'] !== undefined ? parseChmod(inst.flags['chmod']) : undefined;
    for (const w of words) {
      if (/^https?:\/\//i.test(w)) {
        throw new InvalidArgumentError(
          name === 'ADD' ? `ADD failed: downloading ${w}: remote URLs are not supported by berth (no network access at build time): fetch the file into the context` : `COPY failed: source can't be a URL for COPY`,
        );
      }
    }
    const run = async (src: SourceRoot, fromImage: BuildImage | undefined): Promise<void> => {
      const entries: SourceEntry[] = [];
      try {
        for (const w of words) entries.push(...(await src.resolve(w, name)));
        await copyEntries(src, fromImage, entries);
      } finally {
        closeEntries(entries);
      }
    };
    const copyEntries = async (src: SourceRoot, fromImage: BuildImage | undefined, entries: SourceEntry[]): Promise<void> => {
      // moby createCopyInstruction: several sources (wildcard matches count) need a destination ending in /
      if (entries.length > 1 && !destWord.endsWith('/')) {
        throw new InvalidArgumentError(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
      }
      const hash = fromImage ? await hashSources(entries, undefined) : await hashSources(entries, src, ctx.opts.contextDigests);
      // moby's performCopy: `COPY --chown=<spec><hash> in <destination as written> ` (no space after the chown)
      const cmd = this.nopCmdString(st, `${name} ${chown !== undefined && chown !== '' ? `--chown=${chown}` : ''}${hash} in ${destWord} `);
      const hit = await this.probeCache(ctx, st, cmd);
      if (hit) return this.useCache(ctx, st, hit);
      // moby performCopyForInfo: a local archive ADDed is unpacked into the destination itself
      // (UntarPath(src, destPath)), with or without a trailing slash, existing or not
      const unpacking = name === 'ADD' && entries.length === 1 && !entries[0]!.isDir && (await isArchive(entries[0]!.held));
      const staging = await StagingTree.create(ctx.opts.tmpDir, 'build-copy-');
      let destDirHeld: StagedDir | undefined;
      try {
        const { owner, multi, destPath, destDir } = await this.withStageRoot(st, async (root) => {
          const owner = chown !== undefined ? await this.resolveOwner(root, chown) : undefined;
          // docker copies to the destination resolved in the image (/bin/x lands in /usr/bin/x when /bin -> usr/bin)
          const written = dest.replace(/\/+$/, '') || '/';
          checkPathMax(written);
          const destPath = root ? resolvePathInRoot(root, written) : written;
          checkPathMax(destPath);
          const multi = destIsDirSyntax || entries[0]!.isDir || (await this.isDirInImage(root, destPath));
          const destDir = multi || unpacking ? destPath : path.posix.dirname(destPath);
          destDirHeld = (await this.stageParents(root, staging, destDir, owner)).dir;
          return { owner, multi, destPath, destDir };
        });
        const dirFd = destDirHeld!.fd;
        // moby's performCopy: what comes from the context belongs to root (or --chown's owner),
        // whatever the context tar said; COPY --from keeps the owners it finds (preserveOwnership)
        const copyOwner = owner ?? (fromImage ? undefined : { uid: 0, gid: 0 });
        for (const e of entries) {
          if (name === 'ADD' && !e.isDir && (await isArchive(e.held))) {
            // moby performCopyForInfo: archiver.UntarPath(src, destPath), chrooted untar into the rootfs
            await this.backend
              .extractArchive(e.held.path, { upper: staging.path, dest: destDir, ...(st.image ? { imageId: st.image.id } : {}) }, ctx.opts.signal)
              .catch((err: unknown) => {
                if (err instanceof CancelledError) throw err;
                // chrootarchive's invokeUnpack: the re-exec'd docker-untar's exit and output; performCopy's wrap
                throw new InvalidArgumentError(`failed to copy files: Error processing tar file(exit status 1): ${messageOf(err)}`, { cause: err });
              });
            continue;
          }
          // a directory source: its contents go into the destination, which keeps what stageParents gave it
          // (an existing one its own mode and owner, a new one 0755 root or --chown's; moby's CopyWithTar)
          if (e.isDir) await copyChildren(e.held, dirFd, e.rel, fromImage ? undefined : src, copyOwner, chmod);
          else {
            // (a file's rel is never '': only the root itself, a directory, has that)
            const target = multi ? path.posix.basename(e.rel) : path.posix.basename(destPath);
            await copyTree(e.held, dirFd, target, e.rel, fromImage ? undefined : src, copyOwner, chmod);
          }
        }
        await this.commit(ctx, st, cmd, { layerDir: staging.path });
      } finally {
        destDirHeld?.close();
        await staging.remove();
      }
    };
    if (fromFlag === undefined) return run(ctx.context, undefined);
    const byName = ctx.stages.findIndex((s) => s.name === fromFlag.toLowerCase());
    const idx = byName >= 0 ? byName : /^\d+$/.test(fromFlag) ? Number(fromFlag) : -1;
    let image: BuildImage | undefined;
    if (idx >= 0) {
      if (idx >= ctx.stageResults.length) throw new InvalidArgumentError(`${name} --from=${fromFlag}: refers to a stage that is not built yet`);
      image = ctx.stageResults[idx];
      if (!image) throw new InvalidArgumentError(`${name} --from=${fromFlag}: the stage has no files`);
    } else {
      image = await this.backend.findImage(fromFlag);
      if (!image && this.backend.pullImage) image = await this.backend.pullImage(fromFlag, { onStatus: (l) => ctx.out.stream(`${l}\n`) });
      if (!image) throw new NotFoundError(`${name} --from=${fromFlag}: no such image or stage`);
    }
    const img = image;
    await this.backend.withRootfs(img.id, async (root) => run(new ImageRoot(root), img));
  }

  /** Runs `fn` with the current image's root mounted (undefined for a stage with no image yet). */
  private async withStageRoot<T>(st: StageState, fn: (root: string | undefined) => Promise<T>): Promise<T> {
    return st.image ? this.backend.withRootfs(st.image.id, async (root) => fn(root)) : fn(undefined);
  }

  private async isDirInImage(root: string | undefined, p: string): Promise<boolean> {
    if (!root) return false;
    const held = holdInRoot(root, p, true);
    try {
      return held?.stat().isDirectory() ?? false;
    } finally {
      held?.close();
    }
  }

  /**
   * Creates `dir` and its ancestors in `staging`, with the metadata they have in the image when
   * they exist there (so a COPY does not change /tmp's mode), else 0755 owned by `owner`: each
   * made and opened by one name in its parent's fd (@berth/fs), never by a path. Returns the
   * directory `dir`, held (the caller closes it), and whether any component was missing from the
   * image.
   */
  private async stageParents(root: string | undefined, staging: StagingTree, dir: string, owner: { uid: number; gid: number } | undefined): Promise<{ dir: StagedDir; missing: boolean }> {
    const parts = dir.split('/').filter(Boolean);
    const stats: Array<{ mode: number; uid: number; gid: number; mtime: number } | undefined> = [];
    for (let i = 1; i <= parts.length; i++) {
      const p = `/${parts.slice(0, i).join('/')}`;
      const held = root ? holdInRoot(root, p, false) : undefined;
      let s;
      try {
        s = held?.stat();
      } finally {
        held?.close();
      }
      if (s?.isSymbolicLink()) throw new InvalidArgumentError(`${p}: is a symbolic link in the image; copying through it is not supported`);
      if (s && !s.isDirectory()) throw new InvalidArgumentError(`${p}: not a directory`);
      stats.push(s ? { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: s.mtimeMs / 1000 } : undefined);
    }
    let missing = false;
    // the chain of held directories, root first: each component's parent fd is the one before it
    const chain: StagedDir[] = [];
    try {
      let parent = staging.fd;
      for (let i = 0; i < parts.length; i++) {
        const name = parts[i]!;
        const d = realDirectory(parent, name);
        chain.push(d);
        const s = stats[i];
        if (s) setMeta(parent, name, { uid: s.uid, gid: s.gid, mode: s.mode });
        else {
          missing = true;
          setMeta(parent, name, { uid: owner?.uid ?? 0, gid: owner?.gid ?? 0, mode: 0o755 });
        }
        parent = d.fd;
      }
      // mtimes last: creating children changes them
      for (let i = parts.length - 1; i >= 0; i--) {
        const s = stats[i];
        if (s) fsAt().utimensat(i === 0 ? staging.fd : chain[i - 1]!.fd, parts[i]!, s.mtime, s.mtime);
      }
      const last = chain.pop() ?? reopenDir(staging.fd);
      return { dir: last, missing };
    } finally {
      for (const d of chain) d.close();
    }
  }

  /**
   * moby's parseChownFlag: `user[:group]`, numbers or names from the image's /etc/passwd and
   * /etc/group; a lone user is also the group's name or number (`--chown=app` is app:app, the
   * group named app, not the user's primary group).
   */
  private async resolveOwner(root: string | undefined, spec: string): Promise<{ uid: number; gid: number }> {
    const prefix = 'unable to convert uid/gid chown string to host mapping: ';
    const parts = spec.split(':');
    if (parts.length > 2) throw new InvalidArgumentError(`${prefix}invalid chown string format: ${spec}`);
    const [userStr, grpStr] = parts.length === 1 ? [parts[0]!, parts[0]!] : [parts[0]!, parts[1]!];
    const lookup = async (file: string, kind: 'user' | 'group', name: string): Promise<number> => {
      if (/^\d+$/.test(name)) return Number(name);
      const what = `can't find ${kind === 'user' ? 'uid' : 'gid'} for ${kind} ${name}`;
      const text = root ? await readInRoot(root, file) : undefined;
      if (text === undefined) throw new InvalidArgumentError(`${prefix}${what}: open ${file}: no such file or directory`);
      for (const line of text.split('\n')) {
        const f = line.split(':');
        if (f[0] === name && f[2] !== undefined) return Number(f[2]);
      }
      throw new InvalidArgumentError(`${prefix}${what}: no such ${kind}: ${name}`);
    };
    const uid = await lookup('/etc/passwd', 'user', userStr);
    const gid = await lookup('/etc/group', 'group', grpStr);
    return { uid, gid };
  }

}

/** A stage's or image's rootfs as a COPY --from source: no .dockerignore, symlinks resolved inside it. */
class ImageRoot extends SourceRoot {
  override async resolve(src: string, instruction: string): Promise<SourceEntry[]> {
    if (hasWildcards(src)) return super.resolve(src, instruction);
    const held = holdInRoot(this.root, src.startsWith('/') ? src : `/${src}`, true);
    if (!held) throw new NotFoundError(`${instruction} failed: stat ${src}: file does not exist`);
    return [{ held, rel: path.posix.basename(src.replace(/\/+$/, '')) || '', isDir: held.stat().isDirectory() }];
  }
}

interface Ctx<R = unknown> {
  opts: BuildOptions<R>;
  out: BuildOutput;
  lex: ShellLex;
  escape: string;
  context: SourceRoot;
  buildArgs: Record<string, string | null>;
  consumed: Set<string>;
  stageResults: Array<BuildImage | undefined>;
  stages: Stage[];
  meta: Map<string, string | undefined>;
  /** `cachefrom` images that are here: the only sources of cache hits (see probeCache). */
  cacheSources?: BuildImage[];
}

function lookupVar(st: StageState, name: string, ctx: Ctx): string | undefined {
  for (const e of st.config.Env ?? []) {
    const i = e.indexOf('=');
    if ((i < 0 ? e : e.slice(0, i)) === name) return i < 0 ? '' : e.slice(i + 1);
  }
  if (st.args.has(name)) return st.args.get(name);
  if (PROXY_ARGS.includes(name)) {
    const v = ctx.buildArgs[name];
    return v === null ? undefined : v;
  }
  return undefined;
}

function setEnv(c: ImageRunConfig, key: string, value: string): void {
  const env = (c.Env ?? []).filter((e) => e.split('=')[0] !== key);
  const at = (c.Env ?? []).findIndex((e) => e.split('=')[0] === key);
  if (at >= 0) env.splice(at, 0, `${key}=${value}`);
  else env.push(`${key}=${value}`);
  c.Env = env;
}

function expandPort(p: string, inst: Instruction): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
  if (!m) throw parseError(inst.line, `Invalid containerPort: ${p}`);
  const a = Number(m[1]);
  const b = m[2] !== undefined ? Number(m[2]) : a;
  if (b < a || b > 65535) throw parseError(inst.line, `Invalid range specified for the Port: ${p}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let x = a; x <= b; x++) out.push(`${x}/${proto}`);
  return out;
}

/** A HEALTHCHECK's config: its durations are numbers (an image config's may be bigints: HealthConfig). */
type DockerfileHealthConfig = HealthConfig & { Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };

function healthcheck(inst: Instruction, shell: string[]): DockerfileHealthConfig {
  const args = inst.args.trim();
  const kw = /^(\S+)\s*([\s\S]*)$/.exec(args);
  const type = kw?.[1]?.toUpperCase();
  if (type === 'NONE') {
    if (kw![2]) throw parseError(inst.line, 'HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw parseError(inst.line, `Unknown type "${kw?.[1] ?? ''}" in HEALTHCHECK (try CMD)`);
  const rest = kw![2]!;
  if (rest === '') throw parseError(inst.line, 'Missing command after HEALTHCHECK CMD');
  const json = parseJsonForm(rest);
  const h: DockerfileHealthConfig = { Test: json ? ['CMD', ...json] : ['CMD-SHELL', rest] };
  void shell;
  for (const [k, v] of Object.entries(inst.flags)) {
    if (k === 'interval') h.Interval = parseDuration(v, k);
    else if (k === 'timeout') h.Timeout = parseDuration(v, k);
    else if (k === 'start-period') h.StartPeriod = parseDuration(v, k);
    else if (k === 'retries') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw parseError(inst.line, `--retries must be a positive integer: ${v}`);
      h.Retries = n;
    } else throw parseError(inst.line, `Unknown flag: ${k}`);
  }
  return h;
}

function fmtDur(ns: number | undefined): string {
  if (!ns) return '0s';
  if (ns % 1e9 === 0) {
    const s = ns / 1e9;
    const m = Math.floor(s / 60);
    const h = Math.floor(m / 60);
    return h ? `${h}h${m % 60}m${s % 60}s` : m ? `${m}m${s % 60}s` : `${s}s`;
  }
  return `${ns / 1e6}ms`;
}

function parseChmod(s: string): number {
  if (!/^[0-7]{3,4}$/.test(s)) throw new InvalidArgumentError(`invalid chmod parameter: ${s}: only octal modes are supported`);
  return parseInt(s, 8);
}

function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

async function isArchive(held: HeldPath): Promise<boolean> {
  // only a regular file: a FIFO's open would never return (a libuv thread held for good), a
  // device's would open the host's device (moby's isArchivePath opens both; a FIFO hangs its build)
  if (!held.stat().isFile()) return false;
  const fh = await fs.open(held.path, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true;
    return bytesRead >= 262 && buf.toString('latin1', 257, 262) === 'ustar';
  } finally {
    await fh.close();
  }
}

/**
 * Copies a held file or directory to `name` in the staging directory held by `parent`, skipping
 * ignored paths, then applies chown/chmod. The source side is read by fd only: each entry below
 * is held by an O_PATH fd opened beneath its parent's (never following it), read through
 * `/proc/self/fd/N`; a symlink is copied as itself. The target side is written by *at calls on
 * the staging tree's fds (staging-tree.ts): what is at the name is replaced, never followed.
 */
async function copyTree(
  src: HeldPath,
  parent: number,
  name: string,
  rel: string,
  root: SourceRoot | undefined,
  owner: { uid: number; gid: number } | undefined,
  chmod: number | undefined,
): Promise<void> {
  const st = src.stat();
  if (st.isDirectory()) {
    const dir = realDirectory(parent, name);
    try {
      await copyChildren(src, dir.fd, rel, root, owner, chmod);
    } finally {
      dir.close();
    }
    setMeta(parent, name, { uid: owner?.uid ?? st.uid, gid: owner?.gid ?? st.gid, mode: chmod ?? st.mode & 0o7777, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 });
    return;
  }
  removeAt(parent, name);
  if (st.isSymbolicLink()) {
    writeSymlink(parent, name, fsAt().readlinkat(src.fd, ''), owner?.uid ?? st.uid, owner?.gid ?? st.gid);
    return;
  }
  if (!st.isFile()) return; // devices, fifos, sockets: not copied
  await copyFileAt(src.path, parent, name, { uid: owner?.uid ?? st.uid, gid: owner?.gid ?? st.gid, mode: chmod ?? st.mode & 0o7777, atime: st.atimeMs / 1000, mtime: st.mtimeMs / 1000 });
}

/** copyTree for each entry of the held directory `src` (but those ignored), into the staging directory held by `dir`. */
async function copyChildren(
  src: HeldPath,
  dir: number,
  rel: string,
  root: SourceRoot | undefined,
  owner: { uid: number; gid: number } | undefined,
  chmod: number | undefined,
): Promise<void> {
  for (const name of await fs.readdir(src.path)) {
    const r = rel ? `${rel}/${name}` : name;
    if (await root?.excluded(r)) continue;
    const child = holdChild(src, name);
    if (!child) continue;
    try {
      await copyTree(child, dir, name, r, root, owner, chmod);
    } finally {
      child.close();
    }
  }
}

/**
 * Docker resolves a COPY destination under its rootfs mount, `/var/lib/docker/overlay2/<64 hex>/merged`
 * (96 bytes with the default data root): once that path and a prefix of the destination pass
 * PATH_MAX, FollowSymlinkInScope's lstat fails with ENAMETOOLONG and so does the COPY. berth
 * writes the staging tree by fd, so its own data root's length does not count there; the
 * destination is measured as Docker measures it with its default root (a layer that deep would
 * not fit below the layer store's directories either), and fails with Docker's text, the
 * prefix named as a path in the image (never a host path).
 */
const DOCKER_ROOTFS_PREFIX = '/var/lib/docker/overlay2/'.length + 64 + '/merged'.length;

function checkPathMax(dest: string): void {
  const PATH_MAX = 4096;
  const fits = (p: string): boolean => DOCKER_ROOTFS_PREFIX + Buffer.byteLength(p) < PATH_MAX;
  if (fits(dest)) return;
  for (let end = dest.indexOf('/', 1); ; end = dest.indexOf('/', end + 1)) {
    const prefix = end < 0 ? dest : dest.slice(0, end);
    if (!fits(prefix) || end < 0) throw new InvalidArgumentError(`failed to copy files: lstat ${prefix}: file name too long`);
  }
}

/**
 * moby image/cache compare(): a child's container_config matches the step's when Cmd, Env,
 * Entrypoint (in order), Labels (values), ExposedPorts and Volumes (keys), User, Tty and the
 * Attach flags agree, and neither has OpenStdin (Image and Hostname are not compared). A
 * `docker commit` of an attached `docker run` with the same command is thus no cache hit.
 */
function sameCacheConfig(a: ImageRunConfig | undefined | null, b: ImageRunConfig): boolean {
  if (!a || a.OpenStdin || b.OpenStdin) return false;
  if (Boolean(a.AttachStdout) !== Boolean(b.AttachStdout) || Boolean(a.AttachStderr) !== Boolean(b.AttachStderr)) return false;
  if ((a.User ?? '') !== (b.User ?? '') || Boolean(a.Tty) !== Boolean(b.Tty)) return false;
  const list = (x: string[] | null | undefined): string[] => x ?? [];
  const keys = (x: Record<string, unknown> | null | undefined): string[] => Object.keys(x ?? {});
  const sameList = (x: string[], y: string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  if (!sameList(list(a.Cmd), list(b.Cmd)) || !sameList(list(a.Env), list(b.Env)) || !sameList(list(a.Entrypoint), list(b.Entrypoint))) return false;
  const al = a.Labels ?? {};
  const bl = b.Labels ?? {};
  if (keys(al).length !== keys(bl).length || keys(al).some((k) => al[k] !== bl[k])) return false;
  for (const [x, y] of [[a.ExposedPorts, b.ExposedPorts], [a.Volumes, b.Volumes]] as const) {
    if (keys(x).length !== keys(y).length || keys(x).some((k) => !Object.prototype.hasOwnProperty.call(y ?? {}, k))) return false;
  }
  return true;
}

/**
 * moby's isValidParent: `img`'s history and layers start with `parent`'s (a parent without
 * history or layers, or none, always does).
 */
function isHistoryPrefix(img: BuildImage, parent: BuildImage | undefined): boolean {
  const h = img.config.history ?? [];
  if (h.length === 0) return false;
  const ph = parent?.config.history ?? [];
  const pl = parent?.config.rootfs?.diff_ids ?? [];
  if (!parent || (ph.length === 0 && pl.length === 0)) return true;
  const il = img.config.rootfs?.diff_ids ?? [];
  if (ph.length >= h.length || pl.length > il.length) return false;
  return ph.every((e, i) => canonical(e) === canonical(h[i])) && pl.every((d, i) => d === il[i]);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

/** A file of `root` read whole, resolved in the root's scope (@berth/fs); undefined when missing or not a file. */
async function readInRoot(root: string, p: string): Promise<string | undefined> {
  const held = holdInRoot(root, p.startsWith('/') ? p : `/${p}`, true);
  if (!held) return undefined;
  try {
    if (!held.stat().isFile()) return undefined;
    return await fs.readFile(held.path, 'utf8');
  } finally {
    held.close();
  }
}
