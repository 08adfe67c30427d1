{
  "targets": [
    {
      "target_name": "berth_net",
      "include_dirs": ["../../../native/include"],
      "sources": ["src/berth_net.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-stringop-overflow"],
      "libraries": ["-lpthread", "-ldl"]
    }
  ]
}
