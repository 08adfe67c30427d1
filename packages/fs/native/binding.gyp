{
  "targets": [
    {
      "target_name": "berth_fs",
      "sources": ["src/berth_fs.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
