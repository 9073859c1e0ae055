// Shared helpers for the Spoor native addon.
#pragma once
#include <napi.h>
#include <cerrno>
#include <cstring>
#include <string>

namespace spoor {

// A JS Error carrying the errno name (`code`, e.g. "ENOENT"), `errno` and `syscall`, like Node's own.
inline Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const std::string& what) {
  Napi::Error e = Napi::Error::New(env, what + ": " + std::strerror(err));
  const char* name = nullptr;
  switch (err) {
    case ENOENT: name = "ENOENT"; break;
    case EACCES: name = "EACCES"; break;
    case EPERM: name = "EPERM"; break;
    case EBUSY: name = "EBUSY"; break;
    case EINVAL: name = "EINVAL"; break;
    case ENODEV: name = "ENODEV"; break;
    case ENOTTY: name = "ENOTTY"; break;
    case ECONNREFUSED: name = "ECONNREFUSED"; break;
    case ENOTSUP: name = "ENOTSUP"; break;
    case EAGAIN: name = "EAGAIN"; break;
    case ENAMETOOLONG: name = "ENAMETOOLONG"; break;
    default: name = "EUNKNOWN"; break;
  }
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

Napi::Value Notify(const Napi::CallbackInfo& info);
Napi::Object InitGpio(Napi::Env env, Napi::Object exports);

}  // namespace spoor
