{
  "targets": [
    {
      "target_name": "berth_fs",
      "include_dirs": ["../../../native/include"],
      "sources": ["src/berth_fs.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
