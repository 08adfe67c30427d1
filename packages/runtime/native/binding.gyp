{
  "targets": [
    {
      "target_name": "berth_runtime",
      "include_dirs": ["../../../native/include"],
      "sources": ["src/berth_runtime.c", "src/seccomp_bpf.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread", "-ldl"]
    }
  ]
}
