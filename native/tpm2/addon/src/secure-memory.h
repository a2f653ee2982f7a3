// Clearing secret bytes in a way the compiler may not remove. A plain memset before free() or
// before a variable goes out of scope is a dead store the optimiser is allowed to drop;
// explicit_bzero (glibc 2.25+, the BSDs) is guaranteed to stay, and the volatile loop is the
// portable fallback for other C libraries.
#pragma once

#include <cstddef>
#include <string.h>

namespace keywarden_tpm2 {

inline void secure_zero(void *bytes, std::size_t length) {
#if defined(__GLIBC__) || defined(__OpenBSD__) || defined(__FreeBSD__)
  explicit_bzero(bytes, length);
#else
  volatile unsigned char *cursor = static_cast<volatile unsigned char *>(bytes);
  while (length-- > 0) *cursor++ = 0;
#endif
}

// A value (one of the TPM2B_* structs) that is zeroed when it goes out of scope, on every
// path: the structs are fixed-size, so zeroing sizeof(T) clears the whole buffer, not only
// the used part.
template <typename T>
struct Cleared {
  T value{};
  Cleared() = default;
  Cleared(const Cleared &) = delete;
  Cleared &operator=(const Cleared &) = delete;
  ~Cleared() { secure_zero(&value, sizeof(T)); }
};

}  // namespace keywarden_tpm2
