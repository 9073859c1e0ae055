// GPIO line events through the Linux GPIO character device, uAPI v2 (linux/gpio.h):
// GPIO_V2_GET_LINE_IOCTL requests one input line with edge detection and debounce; a
// thread waits on the line fd with poll(2) and hands each gpio_v2_line_event to JS
// through a ThreadSafeFunction, so the event loop never blocks on read(2).
#include "common.h"

#include <atomic>
#include <cstdint>
#include <thread>

#ifdef __linux__
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace spoor {

struct LineEvent {
  uint64_t timestampNs;
  uint32_t id;  // 1 rising, 2 falling; 0 with err != 0 reports a read failure
  uint32_t seqno;
  int err;
};

class GpioLine : public Napi::ObjectWrap<GpioLine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GpioLine", {InstanceMethod("close", &GpioLine::Close)});
  }

  // new GpioLine(chip: string, line: number, edge: 'rising'|'falling'|'both', debounceUs: number, onEvent: fn)
  explicit GpioLine(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpioLine>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsString() || !info[3].IsNumber() || !info[4].IsFunction()) {
      throw Napi::TypeError::New(env, "GpioLine(chip: string, line: number, edge: string, debounceUs: number, onEvent: function)");
    }
#ifndef __linux__
    throw ErrnoError(env, ENOTSUP, "open", "GPIO character devices exist only on Linux");
#else
    const std::string chip = info[0].As<Napi::String>().Utf8Value();
    const uint32_t line = info[1].As<Napi::Number>().Uint32Value();
    const std::string edge = info[2].As<Napi::String>().Utf8Value();
    const uint32_t debounceUs = info[3].As<Napi::Number>().Uint32Value();

    uint64_t flags = GPIO_V2_LINE_FLAG_INPUT;
    if (edge == "rising") flags |= GPIO_V2_LINE_FLAG_EDGE_RISING;
    else if (edge == "falling") flags |= GPIO_V2_LINE_FLAG_EDGE_FALLING;
    else if (edge == "both") flags |= GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
    else throw Napi::TypeError::New(env, "edge must be rising, falling or both");

    int chipFd = open(chip.c_str(), O_RDWR | O_CLOEXEC);
    if (chipFd < 0) throw ErrnoError(env, errno, "open", "cannot open " + chip);

    gpio_v2_line_request req{};
    req.offsets[0] = line;
    req.num_lines = 1;
    std::strncpy(req.consumer, "spoor", sizeof(req.consumer) - 1);
    req.config.flags = flags;
    if (debounceUs > 0) {
      req.config.num_attrs = 1;
      req.config.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
      req.config.attrs[0].attr.debounce_period_us = debounceUs;
      req.config.attrs[0].mask = 1;  // bit 0: the first (only) requested line
    }
    int rc = ioctl(chipFd, GPIO_V2_GET_LINE_IOCTL, &req);
    int err = errno;
    close(chipFd);
    if (rc < 0) throw ErrnoError(env, err, "ioctl", "GPIO_V2_GET_LINE_IOCTL on " + chip + " line " + std::to_string(line));
    lineFd_ = req.fd;

    if (pipe2(wake_, O_CLOEXEC) < 0) {
      err = errno;
      close(lineFd_);
      throw ErrnoError(env, err, "pipe2", "cannot create the wake pipe");
    }
    tsfn_ = Napi::ThreadSafeFunction::New(env, info[4].As<Napi::Function>(), "spoor-gpio", 0, 1);
    open_ = true;
    thread_ = std::thread([this] { Run(); });
#endif
  }

  ~GpioLine() override { Stop(); }

 private:
  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  void Stop() {
#ifdef __linux__
    if (!open_) return;
    open_ = false;
    char b = 1;
    ssize_t ignored = write(wake_[1], &b, 1);
    (void)ignored;
    if (thread_.joinable()) thread_.join();
    close(lineFd_);
    close(wake_[0]);
    close(wake_[1]);
    tsfn_.Release();
#endif
  }

#ifdef __linux__
  void Deliver(const LineEvent& ev) {
    auto* copy = new LineEvent(ev);
    napi_status st = tsfn_.NonBlockingCall(copy, [](Napi::Env env, Napi::Function cb, LineEvent* e) {
      if (e->err != 0) {
        cb.Call({ErrnoError(env, e->err, "read", "reading GPIO line events failed").Value()});
      } else {
        Napi::Object o = Napi::Object::New(env);
        o.Set("timestampNs", Napi::BigInt::New(env, e->timestampNs));
        o.Set("edge", Napi::String::New(env, e->id == GPIO_V2_LINE_EVENT_RISING_EDGE ? "rising" : "falling"));
        o.Set("seqno", Napi::Number::New(env, e->seqno));
        cb.Call({env.Null(), o});
      }
      delete e;
    });
    if (st != napi_ok) delete copy;
  }

  void Run() {
    pollfd fds[2] = {{lineFd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    gpio_v2_line_event events[16];
    for (;;) {
      int n = poll(fds, 2, -1);
      if (n < 0) {
        if (errno == EINTR) continue;
        Deliver({0, 0, 0, errno});
        return;
      }
      if (fds[1].revents != 0) return;  // close()
      if ((fds[0].revents & POLLIN) == 0) {
        if (fds[0].revents != 0) {
          Deliver({0, 0, 0, EIO});
          return;
        }
        continue;
      }
      ssize_t got = read(lineFd_, events, sizeof(events));
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        Deliver({0, 0, 0, errno});
        return;
      }
      for (size_t i = 0; i < static_cast<size_t>(got) / sizeof(gpio_v2_line_event); i++) {
        Deliver({events[i].timestamp_ns, events[i].id, events[i].line_seqno, 0});
      }
    }
  }

  int lineFd_ = -1;
  int wake_[2] = {-1, -1};
  std::thread thread_;
  Napi::ThreadSafeFunction tsfn_;
#endif
  std::atomic<bool> open_{false};
};

Napi::Object InitGpio(Napi::Env env, Napi::Object exports) {
  exports.Set("GpioLine", GpioLine::Define(env));
  return exports;
}

}  // namespace spoor
