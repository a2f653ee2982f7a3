#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the test suite uses: SoftHSM2 and OpenSC (PKCS#11),
# swtpm and tpm2-tools (TPM 2.0), gnome-keyring and dbus (OS keychain), Chromium and Xvfb
# (UI tests); poppler-utils and zbar-tools (share sheets: pdftotext, pdfinfo and pdftoppm read
# the printed PDF, zbarimg scans its QR code); libusb, which node-hid's Linux build loads; and a
# C++ toolchain for pkcs11js, the one native package built from source.
# Runs apt-get through sudo unless already root.
set -euo pipefail

packages=(
  softhsm2 opensc
  swtpm swtpm-tools tpm2-tools libtss2-dev
  gnome-keyring dbus dbus-x11 libsecret-tools
  chromium xvfb
  poppler-utils zbar-tools
  sqlite3 ca-certificates openssl openssh-client
  libusb-1.0-0
  g++ make python3 pkg-config
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

# npm runs the install; the tests themselves run on the Node 22 the project installs.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
