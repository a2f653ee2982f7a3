# The TPM 2.0 addon: Node-API (through node-addon-api) over tss2-esys and the TCTI loader.
# pkg-config fails when libtss2-dev is missing, which fails the build early with that name.
{
  "targets": [
    {
      "target_name": "keywarden_tpm2",
      "sources": ["src/addon.cc", "src/tpm2-call.cc", "src/tpm2-ops.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags": ["-Wall", "-Wextra", "-fstack-protector-strong"],
      "cflags_cc": [
        "-Wall",
        "-Wextra",
        "-fstack-protector-strong",
        "<!@(pkg-config --cflags tss2-esys tss2-tctildr tss2-rc tss2-mu)"
      ],
      "libraries": ["<!@(pkg-config --libs tss2-esys tss2-tctildr tss2-rc tss2-mu)"]
    }
  ]
}
