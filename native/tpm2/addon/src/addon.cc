// The Node-API face of the TPM 2.0 addon: seal() and unseal() return Promises and run on the
// libuv thread pool, so a TPM that takes a second to answer never stalls the event loop. Only
// Node-API is used, so one binary serves Node 22 and Electron alike.
//
// Arguments are validated again here only as far as memory safety needs (types and buffer
// sizes); native/tpm2/tpm2.ts checks everything a caller can get wrong first and refuses it
// with BAD_REQUEST.
#include <napi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

#include <tss2/tss2_rc.h>

#include "tpm2-ops.h"

namespace keywarden_tpm2 {
namespace {

const uint32_t PCR_COUNT = 24;

// Copies a Uint8Array into a TPM2B's buffer (the copy is cleared by its owner's destructor).
template <typename Tpm2b>
void copy_into(const Napi::Value &value, Tpm2b *target, const char *name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Uint8Array");
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  if (bytes.ByteLength() > sizeof(target->buffer)) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " is too long");
  }
  std::memcpy(target->buffer, bytes.Data(), bytes.ByteLength());
  target->size = static_cast<uint16_t>(bytes.ByteLength());
}

std::vector<uint8_t> copy_blob(const Napi::Value &value, const char *name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Uint8Array");
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  return std::vector<uint8_t>(bytes.Data(), bytes.Data() + bytes.ByteLength());
}

// Reads the tcti, pcrs and authValue arguments shared by seal and unseal.
void read_policy(const Napi::CallbackInfo &info, size_t pcrs_at, PolicyRequest *request) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "tcti must be a string");
  request->tcti = info[0].As<Napi::String>().Utf8Value();
  if (!info[pcrs_at].IsArray()) throw Napi::TypeError::New(env, "pcrs must be an array");
  Napi::Array pcrs = info[pcrs_at].As<Napi::Array>();
  for (uint32_t i = 0; i < pcrs.Length(); i++) {
    Napi::Value pcr = pcrs.Get(i);
    uint32_t index = pcr.IsNumber() ? pcr.As<Napi::Number>().Uint32Value() : PCR_COUNT;
    bool ascending = request->pcrs.empty() || request->pcrs.back() < index;
    if (index >= PCR_COUNT || !ascending) {
      throw Napi::RangeError::New(env, "pcrs must be ascending numbers from 0 to 23");
    }
    request->pcrs.push_back(index);
  }
  Napi::Value auth = info[pcrs_at + 1];
  request->has_auth = !auth.IsUndefined() && !auth.IsNull();
  if (request->has_auth) copy_into(auth, &request->auth.value, "authValue");
}

// The rejection of a failed call: the stage and the raw TSS2_RC for the wrapper to sort into
// an error code, and the library's decoding of the code. None of these can hold secret bytes.
Napi::Value failure_error(Napi::Env env, const Failure &failure) {
  const char *decoded = Tss2_RC_Decode(failure.rc);
  char message[256];
  std::snprintf(message, sizeof(message), "TPM2 %s failed: 0x%08x (%s)", stage_name(failure.stage),
                failure.rc, decoded);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("stage", Napi::String::New(env, stage_name(failure.stage)));
  error.Set("rc", Napi::Number::New(env, failure.rc));
  error.Set("rcText", Napi::String::New(env, decoded));
  return error.Value();
}

// One TPM call on the libuv thread pool, settling a Promise. `Op` is seal or unseal; `Settle`
// turns its result into the value the Promise resolves with. The request (with its secret and
// authValue copies) is dropped, and so cleared, as soon as the TPM is done with it.
template <typename Request, typename Result, bool (*Op)(const Request &, Result *, Failure *),
          Napi::Value (*Settle)(Napi::Env, Result *)>
class TpmWorker : public Napi::AsyncWorker {
 public:
  TpmWorker(Napi::Env env, const char *name, std::unique_ptr<Request> request)
      : Napi::AsyncWorker(env, name),
        deferred_(Napi::Promise::Deferred::New(env)),
        request_(std::move(request)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      ok_ = Op(*request_, &result_, &failure_);
    } catch (const std::exception &error) {
      SetError(error.what());  // an allocation failure; nothing else in seal/unseal throws
    }
    request_.reset();
  }

  void OnError(const Napi::Error &error) override { deferred_.Reject(error.Value()); }

  void OnOK() override {
    Napi::Env env = Env();
    if (!ok_) return deferred_.Reject(failure_error(env, failure_));
    deferred_.Resolve(Settle(env, &result_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<Request> request_;
  Result result_;
  Failure failure_;
  bool ok_ = false;
};

Napi::Value sealed_blobs(Napi::Env env, SealResult *result) {
  Napi::Object sealed = Napi::Object::New(env);
  sealed.Set("public", Napi::Buffer<uint8_t>::Copy(env, result->public_blob.data(),
                                                   result->public_blob.size()));
  sealed.Set("private", Napi::Buffer<uint8_t>::Copy(env, result->private_blob.data(),
                                                    result->private_blob.size()));
  return sealed;
}

// Buffer::Copy gives the secret its own allocation (never a slice of Node's shared pool), so
// the caller's fill(0) clears the only JS-side copy. Ours is cleared right after, and again by
// the result's destructor.
Napi::Value unsealed_secret(Napi::Env env, UnsealResult *result) {
  const TPM2B_SENSITIVE_DATA &secret = result->secret.value;
  Napi::Buffer<uint8_t> copy = Napi::Buffer<uint8_t>::Copy(env, secret.buffer, secret.size);
  secure_zero(&result->secret.value, sizeof(result->secret.value));
  return copy;
}

using SealWorker = TpmWorker<SealRequest, SealResult, seal, sealed_blobs>;
using UnsealWorker = TpmWorker<UnsealRequest, UnsealResult, unseal, unsealed_secret>;

// seal(tcti, secret, pcrs, authValue | null) → Promise<{ public: Buffer, private: Buffer }>
Napi::Value Seal(const Napi::CallbackInfo &info) {
  auto request = std::make_unique<SealRequest>();
  read_policy(info, 2, request.get());
  copy_into(info[1], &request->secret.value, "secret");
  auto *worker = new SealWorker(info.Env(), "keywarden:tpm2-seal", std::move(request));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after OnOK
  return promise;
}

// unseal(tcti, public, private, pcrs, authValue | null) → Promise<Buffer>
Napi::Value Unseal(const Napi::CallbackInfo &info) {
  auto request = std::make_unique<UnsealRequest>();
  read_policy(info, 3, request.get());
  request->public_blob = copy_blob(info[1], "public");
  request->private_blob = copy_blob(info[2], "private");
  auto *worker = new UnsealWorker(info.Env(), "keywarden:tpm2-unseal", std::move(request));
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
}

}  // namespace
}  // namespace keywarden_tpm2

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // tpm2-tss logs every failed command to stderr as an ERROR line, expected ones included (a
  // wrong PIN, changed PCRs). Failures reach the caller as error codes instead; a person who
  // wants the library's trace sets TSS2_LOG themselves, and that setting is kept.
  setenv("TSS2_LOG", "all+none", 0);
  exports.Set("seal", Napi::Function::New(env, keywarden_tpm2::Seal, "seal"));
  exports.Set("unseal", Napi::Function::New(env, keywarden_tpm2::Unseal, "unseal"));
  return exports;
}

NODE_API_MODULE(keywarden_tpm2, Init)
