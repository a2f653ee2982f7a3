// The Node-API face of the process addon: process-wide hardening that Node has no API for.
// Only Node-API is used, so one binary serves Node 22 and Electron alike.
//
// disableCoreDumps() → { ok: true, applicable: true }
//                    | { ok: true, applicable: false, reason: string }   (Windows)
//                    | { ok: false, reason: string }
// It never throws; native/process/process-limits.ts turns the result into CoreDumpsResult.
#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

#ifndef _WIN32
#include <sys/resource.h>
#endif

namespace keywarden_process {
namespace {

Napi::Object outcome(Napi::Env env, bool ok) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("ok", Napi::Boolean::New(env, ok));
  return result;
}

#ifdef _WIN32

// Windows has no core files and no RLIMIT_CORE. A crash goes to Windows Error Reporting, which
// keeps a local dump only where an administrator has configured LocalDumps, and Electron writes
// minidumps (Crashpad) only once crashReporter.start() is called, which Keywarden does not do.
// So there is nothing to switch off here, and saying so is not a failure.
Napi::Value DisableCoreDumps(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object result = outcome(env, true);
  result.Set("applicable", Napi::Boolean::New(env, false));
  result.Set("reason",
             Napi::String::New(env, "Windows writes no core files (crash dumps go through Windows "
                                    "Error Reporting, and Electron's crashReporter is not started)"));
  return result;
}

#else

// Both limits go to 0. Anyone may lower a hard limit, but raising it needs CAP_SYS_RESOURCE,
// which Keywarden never holds: nothing later in this process (a library, `ulimit -c` in a
// child shell) can turn core dumps back on. Children inherit the limit across fork and exec,
// so Chromium's zygote, renderers and GPU process started after this call have it too.
//
// Where /proc/sys/kernel/core_pattern pipes to a helper, the kernel hands it the dump whatever
// the limit; systemd-coredump reads the crashed process's RLIMIT_CORE and stores nothing when
// it is 0. prctl(PR_SET_DUMPABLE, 0) would stop the kernel itself, but it also gives
// /proc/self to root, which Chromium's sandbox relies on owning: deliberately not used.
Napi::Value DisableCoreDumps(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct rlimit none = {0, 0};
  if (setrlimit(RLIMIT_CORE, &none) == 0) {
    Napi::Object result = outcome(env, true);
    result.Set("applicable", Napi::Boolean::New(env, true));
    return result;
  }
  int error = errno;  // read at once: building the reply may change errno
  Napi::Object result = outcome(env, false);
  result.Set("reason", Napi::String::New(env, std::string("setrlimit(RLIMIT_CORE, 0) failed: ") +
                                                  std::strerror(error)));
  result.Set("errno", Napi::Number::New(env, error));
  return result;
}

#endif

}  // namespace
}  // namespace keywarden_process

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("disableCoreDumps",
              Napi::Function::New(env, keywarden_process::DisableCoreDumps, "disableCoreDumps"));
  return exports;
}

NODE_API_MODULE(keywarden_process, Init)
