// Status and Result<T>: how every fallible call in cutover reports failure, with retry guidance.
//
// A Status is a cheap value: an OK status holds no allocation. Each failure kind has a named
// constructor and carries what a caller should do about it (see Retry):
//   Unavailable, ResourceExhausted, DeadlineExceeded  -> retry the same call (with backoff)
//   Aborted                                          -> redo the unit of work (chunk, batch, txn)
//   everything else                                  -> stop: a person must fix input or state
// Both types are [[nodiscard]]: dropping an error is a compile error under -Werror. Where a
// failure really may be ignored, say so with IgnoreError(), which is greppable.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cutover {

enum class StatusCode {
  kOk = 0,
  kCancelled,           // the operation was stopped on request (SIGINT, shutdown)
  kInvalidArgument,     // bad input: a spec field, a flag, a value that cannot be parsed
  kNotFound,            // a table, column, file, position that does not exist
  kAlreadyExists,       // something to be created exists already
  kFailedPrecondition,  // the system is not in a state that allows the call (settings, privileges)
  kAborted,             // a unit of work failed part-way (deadlock, lost txn): redo the unit
  kUnavailable,         // transient: connection refused or lost, server restarting: retry
  kResourceExhausted,   // throttled or out of capacity: retry later with backoff
  kDeadlineExceeded,    // timed out: retry
  kDataLoss,            // corrupt or truncated data (bad CRC, purged binlog): needs a person
  kUnimplemented,       // the input asks for something cutover does not do
  kInternal,            // a bug in cutover: an invariant did not hold
};

// What a caller should do with a failure.
enum class Retry {
  kNone,        // OK: nothing to retry
  kRetryCall,   // transient: repeat the same call, with backoff
  kRedoUnit,    // repeat the enclosing unit of work (chunk, batch, transaction) from its start
  kNeedsPerson  // permanent: report and stop; retrying cannot help
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status. Holds no allocation.
  Status() noexcept = default;
  Status(StatusCode code, std::string_view message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }
  static Status Cancelled(std::string_view msg) { return {StatusCode::kCancelled, msg}; }
  static Status InvalidArgument(std::string_view msg) { return {StatusCode::kInvalidArgument, msg}; }
  static Status NotFound(std::string_view msg) { return {StatusCode::kNotFound, msg}; }
  static Status AlreadyExists(std::string_view msg) { return {StatusCode::kAlreadyExists, msg}; }
  static Status FailedPrecondition(std::string_view msg) {
    return {StatusCode::kFailedPrecondition, msg};
  }
  static Status Aborted(std::string_view msg) { return {StatusCode::kAborted, msg}; }
  static Status Unavailable(std::string_view msg) { return {StatusCode::kUnavailable, msg}; }
  static Status ResourceExhausted(std::string_view msg) {
    return {StatusCode::kResourceExhausted, msg};
  }
  static Status DeadlineExceeded(std::string_view msg) {
    return {StatusCode::kDeadlineExceeded, msg};
  }
  static Status DataLoss(std::string_view msg) { return {StatusCode::kDataLoss, msg}; }
  static Status Unimplemented(std::string_view msg) { return {StatusCode::kUnimplemented, msg}; }
  static Status Internal(std::string_view msg) { return {StatusCode::kInternal, msg}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  // The message without the code name; empty for OK.
  std::string_view message() const;
  // The retry guidance implied by the code.
  Retry retry() const;
  bool IsRetryable() const { return retry() == Retry::kRetryCall; }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // A new status with the same code and "<context>: <message>".
  Status WithContext(std::string_view context) const;

  // Explicitly drops this status. Use only where ignoring a failure is correct, and say why.
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;  // null for OK
};

// Either a value of T or a failed Status. Accessing the value of a failed Result is a bug and
// aborts the process with the status text.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT: implicit by design
    if (std::get<Status>(data_).ok()) {
      data_ = Status::Internal("Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(data_); }

  const T& value() const& { CheckOk(); return std::get<T>(data_); }
  T& value() & { CheckOk(); return std::get<T>(data_); }
  T&& value() && { CheckOk(); return std::get<T>(std::move(data_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<T>(data_) : std::move(fallback); }

  void IgnoreError() const {}

 private:
  void CheckOk() const;
  std::variant<T, Status> data_;
};

[[noreturn]] void DieOnBadResultAccess(const Status& status);

template <typename T>
void Result<T>::CheckOk() const {
  if (!ok()) DieOnBadResultAccess(std::get<Status>(data_));
}

}  // namespace cutover

#define CUTOVER_CONCAT_INNER_(a, b) a##b
#define CUTOVER_CONCAT_(a, b) CUTOVER_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` (a Status) is not OK.
#define CUTOVER_RETURN_IF_ERROR(expr)                        \
  do {                                                       \
    ::cutover::Status cutover_status_ = (expr);              \
    if (!cutover_status_.ok()) return cutover_status_;       \
  } while (false)

// `lhs = value of expr` (a Result<T>), or returns its status from the enclosing function.
#define CUTOVER_ASSIGN_OR_RETURN(lhs, expr) \
  CUTOVER_ASSIGN_OR_RETURN_IMPL_(CUTOVER_CONCAT_(cutover_result_, __LINE__), lhs, expr)
#define CUTOVER_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()
