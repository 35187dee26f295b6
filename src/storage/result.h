// Expected values for the data path: a storage call returns a value or an error message, never
// throws. (std::expected is C++23; this is the small subset edgewatch needs.)
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ew::storage {

struct Error {
  std::string message;
};

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Error> state_;
};

// A Result without a value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace ew::storage
