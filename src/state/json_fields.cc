// JsonFields: typed, named reads of a stored JSON record.
#include "state/json_fields.h"

#include <limits>

#include <fmt/format.h>

namespace cutover::state {
namespace {

// At most this much of a wrong value goes into a message.
constexpr size_t kShownChars = 40;

std::string Shown(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > kShownChars) text = text.substr(0, kShownChars) + "...";
  return text;
}

Status NotAnObject(std::string_view record, std::string_view path, const nlohmann::json& value) {
  if (path.empty()) {
    return Status::DataLoss(
        fmt::format("state meta \"{}\" is not a JSON object: {}", record, Shown(value)));
  }
  return Status::DataLoss(fmt::format("state meta \"{}\": {}: expected an object, found {}", record,
                                      path, Shown(value)));
}

}  // namespace

Result<JsonFields> JsonFields::Parse(std::string_view record, std::string_view text) {
  auto root = std::make_shared<nlohmann::json>();
  // nlohmann reports where the text breaks only through its exception; it stops here.
  try {
    *root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    std::string_view what = error.what();  // "[json.exception.parse_error.101] parse error ..."
    if (size_t end = what.find("] "); end != std::string_view::npos) what.remove_prefix(end + 2);
    return Status::DataLoss(fmt::format("state meta \"{}\" is not JSON: {}", record, what));
  }
  if (!root->is_object()) return NotAnObject(record, "", *root);
  const nlohmann::json* object = root.get();
  return JsonFields(std::string(record), "", std::move(root), object, std::make_shared<Status>());
}

Result<JsonFields> JsonFields::Of(std::string_view record, std::string path,
                                  const nlohmann::json& value) {
  if (!value.is_object()) return NotAnObject(record, path, value);
  return JsonFields(std::string(record), std::move(path), nullptr, &value,
                    std::make_shared<Status>());
}

bool JsonFields::Has(std::string_view field) const { return Find(field) != nullptr; }

std::vector<std::string> JsonFields::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, value] : object_->items()) names.push_back(name);
  return names;
}

const nlohmann::json* JsonFields::Find(std::string_view field) const {
  auto found = object_->find(field);
  if (found == object_->end() || found->is_null()) return nullptr;
  return &*found;
}

std::string JsonFields::PathOf(std::string_view field) const {
  return path_.empty() ? std::string(field) : fmt::format("{}.{}", path_, field);
}

void JsonFields::Fail(std::string_view field, std::string_view problem) {
  Fail(Status::DataLoss(fmt::format("state meta \"{}\": {}: {}", record_, PathOf(field), problem)));
}

void JsonFields::Fail(const Status& status) {
  if (error_->ok()) *error_ = status;
}

void JsonFields::WrongType(std::string_view field, std::string_view expected,
                           const nlohmann::json& found) {
  Fail(field, fmt::format("expected {}, found {}", expected, Shown(found)));
}

void JsonFields::Read(std::string_view field, bool* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_boolean()) return WrongType(field, "true or false", *value);
  *out = value->get<bool>();
}

void JsonFields::Read(std::string_view field, int64_t* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (value->is_number_unsigned() &&
      value->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return WrongType(field, "an integer up to 2^63-1", *value);
  }
  if (!value->is_number_integer()) return WrongType(field, "an integer", *value);
  *out = value->get<int64_t>();
}

void JsonFields::Read(std::string_view field, uint64_t* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_number_unsigned()) return WrongType(field, "an integer of 0 or more", *value);
  *out = value->get<uint64_t>();
}

void JsonFields::Read(std::string_view field, double* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_number()) return WrongType(field, "a number", *value);
  *out = value->get<double>();
}

void JsonFields::Read(std::string_view field, std::string* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_string()) return WrongType(field, "a string", *value);
  *out = value->get<std::string>();
}

void JsonFields::Read(std::string_view field, std::vector<int64_t>* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_array()) return WrongType(field, "a list of integers", *value);
  std::vector<int64_t> numbers;
  for (const nlohmann::json& element : *value) {
    if (!element.is_number_integer() ||
        (element.is_number_unsigned() &&
         element.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
      return WrongType(field, "a list of integers", *value);
    }
    numbers.push_back(element.get<int64_t>());
  }
  *out = std::move(numbers);
}

void JsonFields::Read(std::string_view field, std::vector<std::string>* out) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_array()) return WrongType(field, "a list of strings", *value);
  std::vector<std::string> strings;
  for (const nlohmann::json& element : *value) {
    if (!element.is_string()) return WrongType(field, "a list of strings", *value);
    strings.push_back(element.get<std::string>());
  }
  *out = std::move(strings);
}

void JsonFields::ReadObject(std::string_view field, const std::function<void(JsonFields&)>& read) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_object()) return WrongType(field, "an object", *value);
  JsonFields nested(record_, PathOf(field), root_, value, error_);
  read(nested);
}

void JsonFields::ReadObjects(std::string_view field, const std::function<void(JsonFields&)>& read) {
  ReadEach(field, [&](const nlohmann::json& element, const std::string& path) {
    if (!element.is_object()) return Fail(NotAnObject(record_, path, element));
    JsonFields nested(record_, path, root_, &element, error_);
    read(nested);
  });
}

void JsonFields::ReadEach(
    std::string_view field,
    const std::function<void(const nlohmann::json&, const std::string&)>& read) {
  const nlohmann::json* value = Find(field);
  if (value == nullptr) return;
  if (!value->is_array()) return WrongType(field, "a list", *value);
  for (size_t index = 0; index < value->size() && error_->ok(); ++index) {
    read((*value)[index], fmt::format("{}[{}]", PathOf(field), index));
  }
}

}  // namespace cutover::state
