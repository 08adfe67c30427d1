{
  "targets": [
    {
      "target_name": "berth_layer",
      "include_dirs": ["../../../native/include"],
      "sources": ["src/berth_layer.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
