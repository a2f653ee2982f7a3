#include "tpm2-ops.h"

#include <cstring>

#include <tss2/tss2_mu.h>

#include "tpm2-call.h"

namespace keywarden_tpm2 {

namespace {

// SHA-256(32 zero bytes || TPM_CC_PolicyAuthValue): the policy digest of PolicyAuthValue alone.
const uint8_t AUTH_VALUE_ONLY_POLICY[32] = {
    0x8f, 0xcd, 0x21, 0x69, 0xab, 0x92, 0x69, 0x4e, 0x0c, 0x63, 0x3f, 0x1a, 0xb7, 0x72, 0x84, 0x2b,
    0x82, 0x41, 0xbb, 0xc2, 0x02, 0x88, 0x98, 0x1f, 0xc7, 0xac, 0x1e, 0xdd, 0xc1, 0xfd, 0xdb, 0x0e};

bool fail(Failure *failure, Stage stage, TSS2_RC rc) {
  failure->stage = stage;
  failure->rc = rc;
  return false;
}

bool has_policy(const PolicyRequest &request) {
  return !request.pcrs.empty() || request.has_auth;
}

// The sealed object's attributes. Only a policy may authorise it when it has one
// (userWithAuth clear), otherwise a password session with the empty authValue could skip the
// PCR check. noDA only without an authValue: a wrong PIN must count toward the TPM's
// dictionary-attack lockout, and an object nobody can guess a PIN for must never lock it.
TPMA_OBJECT sealed_attributes(const PolicyRequest &request) {
  TPMA_OBJECT attributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT;
  if (!has_policy(request)) attributes |= TPMA_OBJECT_USERWITHAUTH;
  if (!request.has_auth) attributes |= TPMA_OBJECT_NODA;
  return attributes;
}

TSS2_RC policy_digest(TpmCall &call, const PolicyRequest &request, TPM2B_DIGEST *digest,
                      Stage *stage) {
  ESYS_TR trial = ESYS_TR_NONE;
  *stage = Stage::Session;
  TSS2_RC rc = call.start_session(TPM2_SE_TRIAL, ESYS_TR_NONE, &trial);
  if (rc != TSS2_RC_SUCCESS) return rc;
  *stage = Stage::Policy;
  rc = call.apply_policy(trial, request);
  if (rc != TSS2_RC_SUCCESS) return rc;
  TPM2B_DIGEST *computed = nullptr;
  rc = Esys_PolicyGetDigest(call.esys(), trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                            &computed);
  if (rc != TSS2_RC_SUCCESS) return rc;
  *digest = *computed;
  Esys_Free(computed);
  call.flush(&trial);
  return TSS2_RC_SUCCESS;
}

TSS2_RC marshal_result(const TPM2B_PUBLIC &out_public, const TPM2B_PRIVATE &out_private,
                       SealResult *result) {
  size_t offset = 0;
  result->public_blob.assign(sizeof(TPM2B_PUBLIC), 0);
  TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Marshal(&out_public, result->public_blob.data(),
                                            result->public_blob.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return rc;
  result->public_blob.resize(offset);
  offset = 0;
  result->private_blob.assign(sizeof(TPM2B_PRIVATE), 0);
  rc = Tss2_MU_TPM2B_PRIVATE_Marshal(&out_private, result->private_blob.data(),
                                     result->private_blob.size(), &offset);
  if (rc != TSS2_RC_SUCCESS) return rc;
  result->private_blob.resize(offset);
  return TSS2_RC_SUCCESS;
}

// Unmarshals the stored blobs, refusing trailing bytes, and checks that the public area is
// the kind of object seal() makes with the policy the slot says it has: an object altered to
// skip the PIN or the PCRs is refused before it reaches the TPM.
TSS2_RC unmarshal_sealed(const UnsealRequest &request, TPM2B_PUBLIC *in_public,
                         TPM2B_PRIVATE *in_private) {
  size_t offset = 0;
  TSS2_RC rc = Tss2_MU_TPM2B_PUBLIC_Unmarshal(request.public_blob.data(),
                                              request.public_blob.size(), &offset, in_public);
  if (rc != TSS2_RC_SUCCESS) return rc;
  if (offset != request.public_blob.size()) return TSS2_MU_RC_BAD_SIZE;
  offset = 0;
  rc = Tss2_MU_TPM2B_PRIVATE_Unmarshal(request.private_blob.data(), request.private_blob.size(),
                                       &offset, in_private);
  if (rc != TSS2_RC_SUCCESS) return rc;
  if (offset != request.private_blob.size()) return TSS2_MU_RC_BAD_SIZE;

  const TPMT_PUBLIC &area = in_public->publicArea;
  const uint16_t expected_policy_size = has_policy(request) ? 32 : 0;
  if (area.type != TPM2_ALG_KEYEDHASH || area.nameAlg != TPM2_ALG_SHA256 ||
      area.objectAttributes != sealed_attributes(request) ||
      area.authPolicy.size != expected_policy_size) {
    return TSS2_MU_RC_BAD_VALUE;
  }
  // A PolicyPCR digest depends on PCR values we do not know, but an authValue-only policy is a
  // constant: a PCR-bound object whose stored PCR list was emptied is caught here rather than
  // at Unseal, where any policy difference looks like changed PCRs.
  if (request.pcrs.empty() && request.has_auth &&
      std::memcmp(area.authPolicy.buffer, AUTH_VALUE_ONLY_POLICY, 32) != 0) {
    return TSS2_MU_RC_BAD_VALUE;
  }
  return TSS2_RC_SUCCESS;
}

}  // namespace

const char *stage_name(Stage stage) {
  switch (stage) {
    case Stage::Tcti: return "tcti";
    case Stage::Blob: return "blob";
    case Stage::Primary: return "primary";
    case Stage::Session: return "session";
    case Stage::Policy: return "policy";
    case Stage::Create: return "create";
    case Stage::Load: return "load";
    case Stage::Unseal: return "unseal";
    case Stage::Marshal: return "marshal";
  }
  return "unknown";
}

bool seal(const SealRequest &request, SealResult *result, Failure *failure) {
  TpmCall call;
  TSS2_RC rc = call.open(request.tcti);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Tcti, rc);
  ESYS_TR primary = ESYS_TR_NONE;
  rc = call.create_storage_primary(&primary);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Primary, rc);

  TPM2B_PUBLIC in_public{};
  TPMT_PUBLIC &area = in_public.publicArea;
  area.type = TPM2_ALG_KEYEDHASH;
  area.nameAlg = TPM2_ALG_SHA256;
  area.objectAttributes = sealed_attributes(request);
  area.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
  if (has_policy(request)) {
    Stage stage = Stage::Policy;
    rc = policy_digest(call, request, &area.authPolicy, &stage);
    if (rc != TSS2_RC_SUCCESS) return fail(failure, stage, rc);
  }

  // The secret goes to the TPM encrypted: a session salted by the storage key (whose private
  // part never leaves the TPM) derives a session key a bus observer cannot compute, and its
  // decrypt attribute encrypts Create's first parameter, the sensitive area.
  ESYS_TR session = ESYS_TR_NONE;
  rc = call.start_session(TPM2_SE_HMAC, primary, &session);
  if (rc == TSS2_RC_SUCCESS) {
    rc = Esys_TRSess_SetAttributes(call.esys(), session, TPMA_SESSION_DECRYPT,
                                   TPMA_SESSION_DECRYPT);
  }
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Session, rc);

  // A copy of the secret and the authValue, zeroed when this scope ends.
  Cleared<TPM2B_SENSITIVE_CREATE> in_sensitive;
  in_sensitive.value.sensitive.data = request.secret.value;
  if (request.has_auth) in_sensitive.value.sensitive.userAuth = request.auth.value;
  const TPM2B_DATA outside_info{};
  const TPML_PCR_SELECTION creation_pcr{};
  TPM2B_PRIVATE *out_private = nullptr;
  TPM2B_PUBLIC *out_public = nullptr;
  TPM2B_CREATION_DATA *creation_data = nullptr;
  TPM2B_DIGEST *creation_hash = nullptr;
  TPMT_TK_CREATION *creation_ticket = nullptr;
  rc = Esys_Create(call.esys(), primary, session, ESYS_TR_NONE, ESYS_TR_NONE,
                   &in_sensitive.value, &in_public, &outside_info, &creation_pcr, &out_private,
                   &out_public, &creation_data, &creation_hash, &creation_ticket);
  Esys_Free(creation_data);
  Esys_Free(creation_hash);
  Esys_Free(creation_ticket);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Create, rc);
  rc = marshal_result(*out_public, *out_private, result);
  Esys_Free(out_private);
  Esys_Free(out_public);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Marshal, rc);
  return true;
}

bool unseal(const UnsealRequest &request, UnsealResult *result, Failure *failure) {
  TPM2B_PUBLIC in_public{};
  TPM2B_PRIVATE in_private{};
  TSS2_RC rc = unmarshal_sealed(request, &in_public, &in_private);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Blob, rc);

  TpmCall call;
  rc = call.open(request.tcti);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Tcti, rc);
  ESYS_TR primary = ESYS_TR_NONE;
  rc = call.create_storage_primary(&primary);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Primary, rc);
  ESYS_TR object = ESYS_TR_NONE;
  rc = Esys_Load(call.esys(), primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &in_private,
                 &in_public, &object);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Load, rc);
  call.track(object);

  // Salted by the storage key for the same reason as in seal(): the session key must be
  // unknown to a bus observer, or encrypting the response would hide nothing. (The storage
  // key's public part is not checked against a known value, so a TPM impostor that answers
  // every command is not kept out; a bus snooper is.) The same session is the policy session
  // when the object has a policy, else an HMAC session with the empty authValue.
  ESYS_TR session = ESYS_TR_NONE;
  rc = call.start_session(has_policy(request) ? TPM2_SE_POLICY : TPM2_SE_HMAC, primary,
                          &session);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Session, rc);
  // The storage key is no longer needed: freeing its slot now keeps this call within two of
  // the three transient slots a PC Client TPM must have.
  call.flush(&primary);
  rc = call.apply_policy(session, request);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Policy, rc);
  rc = Esys_TRSess_SetAttributes(call.esys(), session, TPMA_SESSION_ENCRYPT,
                                 TPMA_SESSION_ENCRYPT);
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Session, rc);
  if (request.has_auth) {
    rc = Esys_TR_SetAuth(call.esys(), object, &request.auth.value);
    if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Unseal, rc);
  }

  TPM2B_SENSITIVE_DATA *out_data = nullptr;
  rc = Esys_Unseal(call.esys(), object, session, ESYS_TR_NONE, ESYS_TR_NONE, &out_data);
  if (request.has_auth) {
    // Overwrites ESYS's copy of the authValue with zeros before the context is freed.
    const TPM2B_AUTH cleared{};
    Esys_TR_SetAuth(call.esys(), object, &cleared);
  }
  if (rc != TSS2_RC_SUCCESS) return fail(failure, Stage::Unseal, rc);
  result->secret.value = *out_data;
  secure_zero(out_data, sizeof(*out_data));
  Esys_Free(out_data);
  return true;
}

}  // namespace keywarden_tpm2
