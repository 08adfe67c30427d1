{
  "targets": [
    {
      "target_name": "berth_runtime",
      "sources": ["src/berth_runtime.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
