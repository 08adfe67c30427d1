{
  "targets": [
    {
      "target_name": "berth_mount",
      "sources": ["src/berth_mount.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lpthread"]
    }
  ]
}
