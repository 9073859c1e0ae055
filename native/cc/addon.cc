// Entry point of the Spoor native addon: sd_notify without libsystemd, and GPIO line events.
#include "common.h"

namespace spoor {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("notify", Napi::Function::New(env, Notify, "notify"));
  InitGpio(env, exports);
#ifdef __linux__
  exports.Set("platform", Napi::String::New(env, "linux"));
#else
  exports.Set("platform", Napi::String::New(env, "other"));
#endif
  return exports;
}

}  // namespace spoor

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return spoor::Init(env, exports); }

NODE_API_MODULE(spoor_native, InitAddon)
