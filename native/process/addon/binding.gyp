# The process addon: Node-API (through node-addon-api) over the process-limit calls Node does
# not expose (setrlimit). It links no library beyond libc, so a C++ toolchain is all it needs.
# It throws no C++ exceptions, so it builds with them off and the same flags suit MSVC.
{
  "targets": [
    {
      "target_name": "keywarden_process",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "conditions": [
        [
          "OS!='win'",
          {
            "cflags": ["-Wall", "-Wextra", "-fstack-protector-strong"],
            "cflags_cc": ["-Wall", "-Wextra", "-fstack-protector-strong"]
          }
        ]
      ]
    }
  ]
}
