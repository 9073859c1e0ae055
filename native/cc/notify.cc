// sd_notify(3) without libsystemd: one AF_UNIX SOCK_DGRAM datagram to $NOTIFY_SOCKET.
// A leading '@' names a socket in the abstract namespace (its first byte becomes NUL).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <fcntl.h>
#include <cstddef>

#include "common.h"

namespace spoor {

// notify(socketPath: string, state: string): true once the datagram is sent; throws with errno.
Napi::Value Notify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    throw Napi::TypeError::New(env, "notify(socketPath: string, state: string)");
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  const std::string state = info[1].As<Napi::String>().Utf8Value();

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || (path[0] != '/' && path[0] != '@')) {
    throw ErrnoError(env, EINVAL, "connect", "NOTIFY_SOCKET must be an absolute path or @abstract name, got \"" + path + "\"");
  }
  if (path.size() >= sizeof(addr.sun_path)) throw ErrnoError(env, ENAMETOOLONG, "connect", "NOTIFY_SOCKET " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  // Abstract names are exactly as long as given (no trailing NUL); paths include their NUL.
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(env, errno, "socket", "cannot create the notify socket");
  ssize_t sent;
  do {
    sent = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (sent < 0) throw ErrnoError(env, err, "sendto", "cannot send to NOTIFY_SOCKET " + path);
  if (static_cast<size_t>(sent) != state.size()) throw ErrnoError(env, EAGAIN, "sendto", "short datagram to " + path);
  return Napi::Boolean::New(env, true);
}

}  // namespace spoor
