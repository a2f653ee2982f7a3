// Seal and unseal over tss2-esys, free of Node-API so the TPM logic reads on its own. Each
// call opens its own TCTI and ESYS context, and leaves nothing loaded in the TPM when it
// returns: without a resource manager (swtpm, /dev/tpm0) a transient object or session that
// is not flushed stays in one of the TPM's few slots until the next reboot.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tss2/tss2_tpm2_types.h>

#include "secure-memory.h"

namespace keywarden_tpm2 {

// Where a call failed. The TypeScript wrapper sorts a failure into an error code by its
// stage and return code together: TPM_RC_INTEGRITY means "wrong TPM" at Load and something
// else entirely elsewhere.
enum class Stage {
  Tcti,     // loading the TCTI, connecting to the TPM, creating the ESYS context
  Blob,     // the stored TPM2B_PUBLIC / TPM2B_PRIVATE do not unmarshal or do not match
  Primary,  // CreatePrimary of the storage key in the owner hierarchy
  Session,  // StartAuthSession (trial, HMAC or policy)
  Policy,   // PolicyPCR, PolicyAuthValue, PolicyGetDigest
  Create,   // Create of the sealed object
  Load,     // Load of the sealed object under the storage key
  Unseal,   // Unseal (the policy and the authValue are checked here)
  Marshal,  // marshalling the created object for storage
};

const char *stage_name(Stage stage);

struct Failure {
  Stage stage = Stage::Tcti;
  TSS2_RC rc = 0;
};

// What both calls take: which TPM, which PCRs the policy binds, and the authValue. The
// authValue is zeroed when the request is destroyed.
struct PolicyRequest {
  std::string tcti;
  std::vector<uint32_t> pcrs;  // sorted, unique, 0..23 (checked by the wrapper)
  bool has_auth = false;
  Cleared<TPM2B_AUTH> auth;
};

struct SealRequest : PolicyRequest {
  Cleared<TPM2B_SENSITIVE_DATA> secret;
};

struct SealResult {
  std::vector<uint8_t> public_blob;   // marshalled TPM2B_PUBLIC
  std::vector<uint8_t> private_blob;  // marshalled TPM2B_PRIVATE (encrypted by the TPM)
};

struct UnsealRequest : PolicyRequest {
  std::vector<uint8_t> public_blob;
  std::vector<uint8_t> private_blob;
};

struct UnsealResult {
  Cleared<TPM2B_SENSITIVE_DATA> secret;
};

// Each returns true on success; on failure, false with `failure` set. Neither throws.
bool seal(const SealRequest &request, SealResult *result, Failure *failure);
bool unseal(const UnsealRequest &request, UnsealResult *result, Failure *failure);

}  // namespace keywarden_tpm2
