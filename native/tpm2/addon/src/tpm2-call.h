// One seal or unseal conversation with the TPM: its TCTI and ESYS contexts, and every
// transient object and session it loads. The destructor flushes what is still loaded and
// finalises both contexts, so every return path (success or any failure) leaves the TPM as
// it found it.
#pragma once

#include <string>
#include <vector>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tcti.h>

#include "tpm2-ops.h"

namespace keywarden_tpm2 {

class TpmCall {
 public:
  TpmCall() = default;
  TpmCall(const TpmCall &) = delete;
  TpmCall &operator=(const TpmCall &) = delete;
  ~TpmCall();

  // Loads the TCTI named by `tcti` (e.g. "device:/dev/tpmrm0", "swtpm:host=...,port=...")
  // and creates the ESYS context over it.
  TSS2_RC open(const std::string &tcti);

  ESYS_CONTEXT *esys() const { return esys_; }

  // Records a handle this call must flush before it ends.
  void track(ESYS_TR handle) { loaded_.push_back(handle); }

  // Flushes `*handle` now (freeing its TPM slot early) and sets it to ESYS_TR_NONE.
  void flush(ESYS_TR *handle);

  // The owner hierarchy's storage primary key, from the TCG standard ECC P-256 SRK template.
  // Deterministic for a given owner seed, so it is created again on every call instead of
  // being made persistent: nothing is ever written to the TPM's NV memory.
  TSS2_RC create_storage_primary(ESYS_TR *primary);

  // Starts a SHA-256 session of `type` (TPM2_SE_TRIAL, _HMAC or _POLICY). With a `salt_key`
  // the session is salted by it and uses AES-128-CFB parameter encryption; with ESYS_TR_NONE
  // it is unsalted and has no symmetric algorithm (only right for a trial session).
  TSS2_RC start_session(TPM2_SE type, ESYS_TR salt_key, ESYS_TR *session);

  // Runs the sealed object's policy in `session`: PolicyPCR over the request's SHA-256 PCRs
  // (with an empty digest, so the TPM takes their current values), then PolicyAuthValue
  // when the request has an authValue. Seal and unseal must run them in this same order.
  TSS2_RC apply_policy(ESYS_TR session, const PolicyRequest &request);

 private:
  TSS2_TCTI_CONTEXT *tcti_ = nullptr;
  ESYS_CONTEXT *esys_ = nullptr;
  std::vector<ESYS_TR> loaded_;
};

// The PCR selection for `pcrs` in the SHA-256 bank (none selected when empty).
TPML_PCR_SELECTION pcr_selection(const std::vector<uint32_t> &pcrs);

}  // namespace keywarden_tpm2
