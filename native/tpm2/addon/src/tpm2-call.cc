#include "tpm2-call.h"

#include <algorithm>

#include <tss2/tss2_tctildr.h>

namespace keywarden_tpm2 {

TpmCall::~TpmCall() {
  if (esys_ != nullptr) {
    // Newest first, as the objects were stacked. A flush can fail when the TPM went away
    // mid-call; there is nothing more to do then, and the handle is gone with the TPM.
    for (auto handle = loaded_.rbegin(); handle != loaded_.rend(); ++handle) {
      Esys_FlushContext(esys_, *handle);
    }
    // ESYS keeps copies of command and response buffers (which held the parameter-encrypted
    // secret) inside the context; Esys_Finalize frees them, and we have no hook to clear them.
    Esys_Finalize(&esys_);
  }
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

TSS2_RC TpmCall::open(const std::string &tcti) {
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &tcti_);
  if (rc != TSS2_RC_SUCCESS) return rc;
  return Esys_Initialize(&esys_, tcti_, nullptr);
}

void TpmCall::flush(ESYS_TR *handle) {
  if (*handle == ESYS_TR_NONE) return;
  Esys_FlushContext(esys_, *handle);
  loaded_.erase(std::remove(loaded_.begin(), loaded_.end(), *handle), loaded_.end());
  *handle = ESYS_TR_NONE;
}

TSS2_RC TpmCall::create_storage_primary(ESYS_TR *primary) {
  // TCG TPM v2.0 Provisioning Guidance, SRK template for ECC NIST P-256: a restricted
  // decryption key with an AES-128-CFB inner symmetric key and an empty unique field, so
  // every TPM software that follows the guidance derives the same key from the owner seed.
  TPM2B_PUBLIC in_public{};
  TPMT_PUBLIC &area = in_public.publicArea;
  area.type = TPM2_ALG_ECC;
  area.nameAlg = TPM2_ALG_SHA256;
  area.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                          TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                          TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
  area.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
  area.parameters.eccDetail.symmetric.keyBits.aes = 128;
  area.parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
  area.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
  area.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  area.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;

  const TPM2B_SENSITIVE_CREATE in_sensitive{};
  const TPM2B_DATA outside_info{};
  const TPML_PCR_SELECTION creation_pcr{};
  TPM2B_PUBLIC *out_public = nullptr;
  TPM2B_CREATION_DATA *creation_data = nullptr;
  TPM2B_DIGEST *creation_hash = nullptr;
  TPMT_TK_CREATION *creation_ticket = nullptr;
  // The owner hierarchy's authorisation is assumed empty (the state after TPM2_Clear and
  // what OS installers leave); a set owner password surfaces as an authorisation failure.
  TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &in_sensitive, &in_public, &outside_info,
                                  &creation_pcr, primary, &out_public, &creation_data,
                                  &creation_hash, &creation_ticket);
  Esys_Free(out_public);
  Esys_Free(creation_data);
  Esys_Free(creation_hash);
  Esys_Free(creation_ticket);
  if (rc == TSS2_RC_SUCCESS) track(*primary);
  return rc;
}

TSS2_RC TpmCall::start_session(TPM2_SE type, ESYS_TR salt_key, ESYS_TR *session) {
  TPMT_SYM_DEF symmetric{};
  symmetric.algorithm = TPM2_ALG_NULL;
  if (salt_key != ESYS_TR_NONE) {
    symmetric.algorithm = TPM2_ALG_AES;
    symmetric.keyBits.aes = 128;
    symmetric.mode.aes = TPM2_ALG_CFB;
  }
  TSS2_RC rc = Esys_StartAuthSession(esys_, salt_key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                     ESYS_TR_NONE, nullptr, type, &symmetric, TPM2_ALG_SHA256,
                                     session);
  if (rc != TSS2_RC_SUCCESS) return rc;
  track(*session);
  // Sessions stay open after each command so that the destructor is the one place that
  // closes them; a session closed by the TPM and then flushed again would only fail quietly.
  return Esys_TRSess_SetAttributes(esys_, *session, TPMA_SESSION_CONTINUESESSION, 0xff);
}

TSS2_RC TpmCall::apply_policy(ESYS_TR session, const PolicyRequest &request) {
  if (!request.pcrs.empty()) {
    const TPM2B_DIGEST pcr_digest{};
    const TPML_PCR_SELECTION selection = pcr_selection(request.pcrs);
    TSS2_RC rc = Esys_PolicyPCR(esys_, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                &pcr_digest, &selection);
    if (rc != TSS2_RC_SUCCESS) return rc;
  }
  if (request.has_auth) {
    return Esys_PolicyAuthValue(esys_, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE);
  }
  return TSS2_RC_SUCCESS;
}

TPML_PCR_SELECTION pcr_selection(const std::vector<uint32_t> &pcrs) {
  TPML_PCR_SELECTION selection{};
  if (pcrs.empty()) return selection;
  selection.count = 1;
  TPMS_PCR_SELECTION &bank = selection.pcrSelections[0];
  bank.hash = TPM2_ALG_SHA256;
  bank.sizeofSelect = 3;  // 24 PCRs, the PC Client platform's number
  for (uint32_t pcr : pcrs) bank.pcrSelect[pcr / 8] |= static_cast<BYTE>(1u << (pcr % 8));
  return selection;
}

}  // namespace keywarden_tpm2
