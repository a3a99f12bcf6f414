// JsonFields: how the typed records kept as JSON in the state store's meta table (run_status.h,
// stop_request.h, fence_record.h, verify_report.h, touched_keys.h) read their stored text. A
// field that is absent (or null) keeps the record's default, so records written by an older
// cutover still read; a field this cutover does not know is ignored; a known field holding
// another type is DataLoss naming the record (its meta key) and the field, e.g.
//   state meta "run.status": lag_seconds: expected a number, found "fast"
// Errors are sticky: the codec reads every field, then asks status() once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cutover/status.h"

namespace cutover::state {

class JsonFields {
 public:
  // The JSON object `text` holds; DataLoss naming `record` when it is not JSON or not an object.
  static Result<JsonFields> Parse(std::string_view record, std::string_view text);
  // `value`, at `path` ("listed[3]") inside `record`, read as an object; DataLoss when it is not
  // one. `value` must outlive the returned reader.
  static Result<JsonFields> Of(std::string_view record, std::string path,
                               const nlohmann::json& value);

  // Whether `field` is present and not null.
  bool Has(std::string_view field) const;
  // The names of every field (an object used as a map: table -> keys).
  std::vector<std::string> Names() const;

  // Each sets *out to the field's value when the field is present; a value of another type
  // (or an integer out of the type's range) is recorded as the error and leaves *out as it was.
  void Read(std::string_view field, bool* out);
  void Read(std::string_view field, int64_t* out);
  void Read(std::string_view field, uint64_t* out);
  void Read(std::string_view field, double* out);  // any number
  void Read(std::string_view field, std::string* out);
  void Read(std::string_view field, std::vector<int64_t>* out);
  void Read(std::string_view field, std::vector<std::string>* out);
  template <typename T>
  void Read(std::string_view field, std::optional<T>* out) {
    if (!Has(field)) return;
    T value{};
    Read(field, &value);
    *out = std::move(value);
  }

  // The object `field`, handed to `read` (errors name "field.inner").
  void ReadObject(std::string_view field, const std::function<void(JsonFields&)>& read);
  // Each object of the array `field`, in order, handed to `read` (errors name "field[i].inner").
  void ReadObjects(std::string_view field, const std::function<void(JsonFields&)>& read);
  // Each element of the array `field` with its path ("field[i]"), whatever its type.
  void ReadEach(std::string_view field,
                const std::function<void(const nlohmann::json&, const std::string&)>& read);
  // Records a problem of a field whose type was right but whose value is not (an unknown kind).
  void Fail(std::string_view field, std::string_view problem);
  // Records `status` (a nested codec's error), unless an error is already recorded.
  void Fail(const Status& status);

  // OK, or the first error of this reader and of every reader nested in it.
  Status status() const { return *error_; }
  const std::string& record() const { return record_; }

 private:
  JsonFields(std::string record, std::string path, std::shared_ptr<const nlohmann::json> root,
             const nlohmann::json* object, std::shared_ptr<Status> error)
      : record_(std::move(record)),
        path_(std::move(path)),
        root_(std::move(root)),
        object_(object),
        error_(std::move(error)) {}

  // The field's value, or null when absent or null.
  const nlohmann::json* Find(std::string_view field) const;
  std::string PathOf(std::string_view field) const;
  void WrongType(std::string_view field, std::string_view expected, const nlohmann::json& found);

  std::string record_;                          // the meta key, for messages
  std::string path_;                            // "" at the top, "tables[2]" inside
  std::shared_ptr<const nlohmann::json> root_;  // owns the parsed text (null: the caller's)
  const nlohmann::json* object_;
  std::shared_ptr<Status> error_;  // shared with the readers nested in this one
};

}  // namespace cutover::state
