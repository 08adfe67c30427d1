import { run } from './exec-file';

/** What an OCI runtime binary says of itself (`runc --version`, `crun --version`). */
export interface RuntimeVersion {
  /** The name before "version" on its version line ("runc", "crun"). */
  name: string;
  /** After "version": "1.1.5+ds1", "1.8.1". */
  version: string;
  /** The `commit:` line: "1.1.5+ds1-1+deb12u1" (Debian's runc), "f8a096be…" (crun). */
  commit: string;
}

/**
 * Reads `--version` output the way Docker 20.10 does (daemon/info_unix.go): the line naming
 * "version" gives the name (before it) and the version (after it), the `commit:` line the commit;
 * null where neither is there (Docker's "unknown output format").
 */
export function parseRuntimeVersion(output: string): RuntimeVersion | null {
  let name = '';
  let version = '';
  let commit = '';
  for (const line of output.trim().split('\n')) {
    if (line.includes('version')) {
      const parts = line.split('version');
      name = parts[0]!.trim();
      version = parts[parts.length - 1]!.trim();
    } else if (line.startsWith('commit:')) {
      commit = line.slice('commit:'.length).trim();
    }
  }
  return version === '' && commit === '' ? null : { name, version, commit };
}

/**
 * Whether this runtime applies crun's `run.oci.seccomp_bpf_data` also without `linux.seccomp`
 * (crun since 0.18): an older crun ignores the annotation, and the container would run without
 * a filter once the section is left out.
 */
export function takesCompiledSeccomp(v: RuntimeVersion | null): boolean {
  const m = v?.name === 'crun' ? /^(\d+)\.(\d+)/.exec(v.version) : null;
  return m !== null && (Number(m[1]) > 0 || Number(m[2]) >= 18);
}

/** One answer per binary path for the life of the process: a runtime is not replaced under a running daemon. */
const asked = new Map<string, Promise<RuntimeVersion | null>>();

/**
 * The runtime binary's `--version`, asked once per path and kept; null when it cannot be run or
 * says nothing readable (the caller shows Docker's "N/A" or leaves the component out).
 */
export function runtimeVersion(binary: string): Promise<RuntimeVersion | null> {
  let v = asked.get(binary);
  if (!v) {
    v = run(binary, ['--version'], { timeoutMs: 3000 }).then(
      (r) => (r.code === 0 ? parseRuntimeVersion(r.stdout) : null),
      () => null,
    );
    asked.set(binary, v);
  }
  return v;
}
