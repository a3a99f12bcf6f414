// The filter's checks against a table and its evaluation on a row, with MariaDB/MySQL's results
// where cutover can reproduce them exactly and a refusal (or, for a value, an error) where not.
#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "filter/filter.h"
#include "filter/node.h"

namespace cutover::filter {
namespace {

// 38 decimal digits exactly (GCC and Clang; __extension__: not ISO C++).
__extension__ typedef __int128 Int;

// How a text operand compares (from its column's collation).
struct Collation {
  bool binary = true;  // byte order (a _bin or binary collation)
  bool ci = false;     // case-insensitive: exact on ASCII text only
  bool pad = false;    // trailing spaces ignored (PAD SPACE collations)
  bool ordered = true; // <, <=, >, >= reproducible (binary, *_general_ci, latin1_swedish_ci)
  std::string name;
};

Collation CollationOf(const ColumnType& type, ValueKind kind) {
  Collation collation;
  collation.name = type.collation;
  const std::string& name = type.collation;
  const bool nopad = name.find("0900") != std::string::npos ||
                     name.find("nopad") != std::string::npos || name == "binary" ||
                     (kind == ValueKind::kBytes && name.empty());
  if (kind == ValueKind::kBytes || name == "binary" || name.ends_with("_bin")) {
    collation.pad = !nopad;
    return collation;
  }
  collation.binary = false;
  collation.ci = name.find("_ci") != std::string::npos;
  collation.pad = !nopad;
  collation.ordered = name.ends_with("_general_ci") || name == "latin1_swedish_ci";
  return collation;
}

struct Operand {
  enum class Kind { kNull, kNumber, kDouble, kText, kDateTime, kBool } kind = Kind::kNull;
  Int mantissa = 0;  // kNumber: mantissa / 10^scale
  int scale = 0;
  double real = 0;   // kDouble
  std::string text;  // kText
  std::optional<Collation> collation;  // kText from a column
  DateTime time;     // kDateTime (a DATE has 00:00:00)
  bool truth = false;  // kBool
};

Status NotExact(std::string_view what) {
  return Status::FailedPrecondition(fmt::format("the row filter cannot decide exactly: {}", what));
}

// "-12.340" -> mantissa -12340, scale 3; nullopt beyond 38 digits.
std::optional<Operand> NumberOf(std::string_view text) {
  Operand out;
  out.kind = Operand::Kind::kNumber;
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  size_t dot = text.find('.');
  std::string digits(text.substr(0, dot));
  if (dot != std::string_view::npos) {
    std::string_view fraction = text.substr(dot + 1);
    out.scale = static_cast<int>(fraction.size());
    digits += fraction;
  }
  if (digits.size() > 38) return std::nullopt;
  for (char digit : digits) out.mantissa = out.mantissa * 10 + (digit - '0');
  if (negative) out.mantissa = -out.mantissa;
  return out;
}

// Both numbers at the larger scale; false on overflow.
bool Align(Operand* a, Operand* b) {
  while (a->scale < b->scale) {
    if (__builtin_mul_overflow(a->mantissa, Int(10), &a->mantissa)) return false;
    ++a->scale;
  }
  while (b->scale < a->scale) {
    if (__builtin_mul_overflow(b->mantissa, Int(10), &b->mantissa)) return false;
    ++b->scale;
  }
  return true;
}

double ToDouble(const Operand& operand) {
  if (operand.kind == Operand::Kind::kDouble) return operand.real;
  double value = static_cast<double>(operand.mantissa);
  for (int i = 0; i < operand.scale; ++i) value /= 10;
  return value;
}

// "YYYY-MM-DD" or "YYYY-MM-DD hh:mm:ss[.ffffff]" (also with "T"); nullopt otherwise.
std::optional<DateTime> ParseDateTime(std::string_view text) {
  auto number = [&](size_t at, size_t length, int* out) {
    if (at + length > text.size()) return false;
    int value = 0;
    for (size_t i = at; i < at + length; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
  };
  DateTime time;
  int year = 0, month = 0, day = 0;
  if (!number(0, 4, &year) || text.size() < 10 || text[4] != '-' || !number(5, 2, &month) ||
      text[7] != '-' || !number(8, 2, &day) || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  time.date = Date{year, static_cast<uint8_t>(month), static_cast<uint8_t>(day), 0};
  if (text.size() == 10) return time;
  int hour = 0, minute = 0, second = 0;
  if ((text[10] != ' ' && text[10] != 'T') || !number(11, 2, &hour) || text.size() < 19 ||
      text[13] != ':' || !number(14, 2, &minute) || text[16] != ':' || !number(17, 2, &second) ||
      hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  time.hour = static_cast<uint8_t>(hour);
  time.minute = static_cast<uint8_t>(minute);
  time.second = static_cast<uint8_t>(second);
  if (text.size() == 19) return time;
  if (text[19] != '.' || text.size() > 26 || text.size() == 20) return std::nullopt;
  int micros = 0;
  if (!number(20, text.size() - 20, &micros)) return std::nullopt;
  for (size_t digits = text.size() - 20; digits < 6; ++digits) micros *= 10;
  time.micros = static_cast<uint32_t>(micros);
  return time;
}

auto TimeKey(const DateTime& time) {
  return std::make_tuple(time.date.year, time.date.month, time.date.day, time.hour, time.minute,
                         time.second, time.micros);
}

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x7f;
  });
}

// The comparison key of a text under `collation`: case-folded (upper, as *_general_ci weighs
// ASCII); padding is the comparison's (PadCompare).
Result<std::string> TextKey(std::string text, const Collation& collation) {
  if (collation.ci) {
    if (!IsAscii(text)) {
      return NotExact(fmt::format("'{}' is not ASCII text and {} is case-insensitive", text,
                                  collation.name));
    }
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return text;
}

// Byte order as PAD SPACE collations compare: the shorter text continues with spaces, so "a"
// equals "a  " and is greater than "a\t".
int PadCompare(std::string_view a, std::string_view b) {
  size_t common = std::min(a.size(), b.size());
  for (size_t i = 0; i < common; ++i) {
    auto x = static_cast<unsigned char>(a[i]);
    auto y = static_cast<unsigned char>(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  std::string_view rest = a.size() > b.size() ? a.substr(common) : b.substr(common);
  int longer = a.size() > b.size() ? 1 : -1;
  for (char c : rest) {
    auto byte = static_cast<unsigned char>(c);
    if (byte != ' ') return byte < ' ' ? -longer : longer;
  }
  return 0;
}

// -1, 0, 1; nullopt when either side is NULL.
Result<std::optional<int>> CompareOperands(Operand a, Operand b) {
  using Kind = Operand::Kind;
  if (a.kind == Kind::kNull || b.kind == Kind::kNull) return std::optional<int>();
  auto sign = [](auto x, auto y) { return std::optional<int>(x < y ? -1 : (y < x ? 1 : 0)); };
  for (Operand* side : {&a, &b}) {
    if (side->kind != Kind::kBool) continue;
    side->kind = Kind::kNumber;
    side->mantissa = side->truth ? 1 : 0;
    side->scale = 0;
  }
  if (a.kind == Kind::kNumber && b.kind == Kind::kNumber) {
    if (!Align(&a, &b)) return NotExact("a number has too many digits to compare");
    return sign(a.mantissa, b.mantissa);
  }
  if ((a.kind == Kind::kNumber || a.kind == Kind::kDouble) &&
      (b.kind == Kind::kNumber || b.kind == Kind::kDouble)) {
    return sign(ToDouble(a), ToDouble(b));
  }
  // A text compared with a date: the text is read as a date (as the server converts it).
  if (a.kind == Kind::kText && b.kind == Kind::kDateTime) {
    std::optional<DateTime> parsed = ParseDateTime(a.text);
    if (!parsed) return NotExact(fmt::format("'{}' is not a date", a.text));
    return sign(TimeKey(*parsed), TimeKey(b.time));
  }
  if (a.kind == Kind::kDateTime && b.kind == Kind::kText) {
    std::optional<DateTime> parsed = ParseDateTime(b.text);
    if (!parsed) return NotExact(fmt::format("'{}' is not a date", b.text));
    return sign(TimeKey(a.time), TimeKey(*parsed));
  }
  if (a.kind == Kind::kDateTime && b.kind == Kind::kDateTime) {
    return sign(TimeKey(a.time), TimeKey(b.time));
  }
  if (a.kind == Kind::kText && b.kind == Kind::kText) {
    // The column's collation decides (a literal takes the column's, as in SQL's coercibility).
    Collation collation = a.collation ? *a.collation : b.collation.value_or(Collation{});
    CUTOVER_ASSIGN_OR_RETURN(std::string left, TextKey(a.text, collation));
    CUTOVER_ASSIGN_OR_RETURN(std::string right, TextKey(b.text, collation));
    if (!collation.pad) return sign(left, right);
    return std::optional<int>(PadCompare(left, right));
  }
  return NotExact("operands of different types");
}

// LIKE with % and _ (one UTF-8 character) on the collation's keys without padding; \ takes the
// next pattern byte literally. Greedy with one backtracking point, the last % seen: a later %
// can take whatever an earlier one would have, so trying the earlier one again never helps.
// Time O(text x pattern) at worst; the recursive reading this replaces tried every split of the
// text between the %s, exponential in their number (finding 14 of docs/fuzzing.md).
bool LikeMatch(std::string_view text, std::string_view pattern) {
  auto char_length = [](std::string_view s, size_t at) {
    auto byte = static_cast<unsigned char>(s[at]);
    size_t length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    return std::min(length, s.size() - at);
  };
  constexpr size_t kNone = std::string_view::npos;
  size_t t = 0;
  size_t p = 0;
  size_t after_percent = kNone;  // the pattern just after the last % seen
  size_t percent_took = 0;       // where in the text that % 's share ends for now
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '%') {
        after_percent = ++p;
        percent_took = t;
        continue;
      }
      if (c == '_') {
        t += char_length(text, t);
        ++p;
        continue;
      }
      const size_t literal = c == '\\' && p + 1 < pattern.size() ? p + 1 : p;
      if (text[t] == pattern[literal]) {
        ++t;
        p = literal + 1;
        continue;
      }
    }
    if (after_percent == kNone) return false;
    // The last % takes one more character, and the rest of the pattern is tried after it.
    percent_took += char_length(text, percent_took);
    t = percent_took;
    p = after_percent;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

class Evaluator {
 public:
  Evaluator(const TableSchema& schema, const Row& row) : schema_(schema), row_(&row) {}

  Result<Operand> Eval(const Node& node) {
    using Kind = Operand::Kind;
    switch (node.kind) {
      case NodeKind::kNull: return Operand{};
      case NodeKind::kNumber: {
        std::optional<Operand> number = NumberOf(node.text);
        if (!number) return NotExact(fmt::format("{} has more than 38 digits", node.text));
        return *number;
      }
      case NodeKind::kString: {
        Operand text;
        text.kind = Kind::kText;
        text.text = node.text;
        return text;
      }
      case NodeKind::kDate:
      case NodeKind::kTimestamp: {
        Operand time;
        time.kind = Kind::kDateTime;
        time.time = *ParseDateTime(node.text);  // CheckShape validated it
        return time;
      }
      case NodeKind::kColumn: return ColumnValue(node.text);
      case NodeKind::kNot: {
        CUTOVER_ASSIGN_OR_RETURN(std::optional<bool> value, Truth(*node.children[0]));
        if (!value) return Operand{};
        return Bool(!*value);
      }
      case NodeKind::kAnd:
      case NodeKind::kOr: {
        const bool is_and = node.kind == NodeKind::kAnd;
        CUTOVER_ASSIGN_OR_RETURN(std::optional<bool> left, Truth(*node.children[0]));
        if (left && *left != is_and) return Bool(*left);  // FALSE AND x, TRUE OR x
        CUTOVER_ASSIGN_OR_RETURN(std::optional<bool> right, Truth(*node.children[1]));
        if (right && *right != is_and) return Bool(*right);
        if (!left || !right) return Operand{};
        return Bool(is_and);
      }
      case NodeKind::kCompare: {
        CUTOVER_ASSIGN_OR_RETURN(Operand left, Eval(*node.children[0]));
        CUTOVER_ASSIGN_OR_RETURN(Operand right, Eval(*node.children[1]));
        CUTOVER_ASSIGN_OR_RETURN(std::optional<int> order, CompareOperands(left, right));
        if (!order) return Operand{};
        const std::string& op = node.text;
        bool result = op == "=" ? *order == 0
                      : op == "<>" ? *order != 0
                      : op == "<"  ? *order < 0
                      : op == "<=" ? *order <= 0
                      : op == ">"  ? *order > 0
                                   : *order >= 0;
        return Bool(result);
      }
      case NodeKind::kIsNull: {
        CUTOVER_ASSIGN_OR_RETURN(Operand operand, Eval(*node.children[0]));
        bool is_null = operand.kind == Kind::kNull;
        return Bool(node.text == "IS NULL" ? is_null : !is_null);
      }
      case NodeKind::kIn: {
        CUTOVER_ASSIGN_OR_RETURN(Operand operand, Eval(*node.children[0]));
        bool unknown = false;
        for (size_t index = 1; index < node.children.size(); ++index) {
          CUTOVER_ASSIGN_OR_RETURN(Operand item, Eval(*node.children[index]));
          CUTOVER_ASSIGN_OR_RETURN(std::optional<int> order, CompareOperands(operand, item));
          if (order && *order == 0) return Bool(true);
          unknown = unknown || !order;
        }
        if (unknown) return Operand{};
        return Bool(false);
      }
      case NodeKind::kBetween: {
        CUTOVER_ASSIGN_OR_RETURN(Operand operand, Eval(*node.children[0]));
        CUTOVER_ASSIGN_OR_RETURN(Operand low, Eval(*node.children[1]));
        CUTOVER_ASSIGN_OR_RETURN(Operand high, Eval(*node.children[2]));
        CUTOVER_ASSIGN_OR_RETURN(std::optional<int> above, CompareOperands(operand, low));
        CUTOVER_ASSIGN_OR_RETURN(std::optional<int> below, CompareOperands(operand, high));
        if ((above && *above < 0) || (below && *below > 0)) return Bool(false);
        if (!above || !below) return Operand{};
        return Bool(true);
      }
      case NodeKind::kLike: {
        CUTOVER_ASSIGN_OR_RETURN(Operand operand, Eval(*node.children[0]));
        if (operand.kind == Kind::kNull) return Operand{};
        Collation collation = operand.collation.value_or(Collation{});
        collation.pad = false;  // LIKE compares trailing spaces
        CUTOVER_ASSIGN_OR_RETURN(std::string text, TextKey(operand.text, collation));
        CUTOVER_ASSIGN_OR_RETURN(std::string pattern,
                                 TextKey(node.children[1]->text, collation));
        return Bool(LikeMatch(text, pattern));
      }
      case NodeKind::kArithmetic: return Arithmetic(node);
      case NodeKind::kCall: return Call(node);
    }
    return Operand{};
  }

  Result<std::optional<bool>> Truth(const Node& node) {
    CUTOVER_ASSIGN_OR_RETURN(Operand value, Eval(node));
    switch (value.kind) {
      case Operand::Kind::kNull: return std::optional<bool>();
      case Operand::Kind::kBool: return std::optional<bool>(value.truth);
      case Operand::Kind::kNumber: return std::optional<bool>(value.mantissa != 0);
      case Operand::Kind::kDouble: return std::optional<bool>(value.real != 0);
      default: return NotExact("a text or a date used as a condition");
    }
  }

 private:
  static Operand Bool(bool value) {
    Operand out;
    out.kind = Operand::Kind::kBool;
    out.truth = value;
    return out;
  }

  Result<Operand> ColumnValue(const std::string& name) {
    std::optional<size_t> index = schema_.ColumnIndex(name);
    if (!index) return Status::InvalidArgument(fmt::format("no column {}", name));
    const Column& column = schema_.columns[*index];
    Operand out;
    if (*index >= row_->values.size() || !row_->IsPresent(*index)) {
      return NotExact(fmt::format("the image has no value for column {}", name));
    }
    const Value& value = row_->values[*index];
    switch (value.kind()) {
      case ValueKind::kNull: return out;
      case ValueKind::kInt:
        out.kind = Operand::Kind::kNumber;
        out.mantissa = value.as_int();
        return out;
      case ValueKind::kUInt:
        out.kind = Operand::Kind::kNumber;
        out.mantissa = static_cast<Int>(value.as_uint());
        return out;
      case ValueKind::kBit:
        out.kind = Operand::Kind::kNumber;
        out.mantissa = static_cast<Int>(value.as_bit().bits);
        return out;
      case ValueKind::kDecimal: {
        const Decimal& decimal = value.as_decimal();
        if (decimal.special != Decimal::Special::kNone) return NotExact("a NaN or infinite number");
        std::optional<Operand> number = NumberOf(decimal.ToString());
        if (!number) return NotExact(fmt::format("{} has more than 38 digits", decimal.ToString()));
        return *number;
      }
      case ValueKind::kFloat:
        out.kind = Operand::Kind::kDouble;
        out.real = static_cast<double>(value.as_float());
        return out;
      case ValueKind::kDouble:
        out.kind = Operand::Kind::kDouble;
        out.real = value.as_double();
        return out;
      case ValueKind::kText:
      case ValueKind::kBytes:
      case ValueKind::kEnum:
        out.kind = Operand::Kind::kText;
        out.text = value.kind() == ValueKind::kText    ? value.as_text().bytes
                   : value.kind() == ValueKind::kBytes ? value.as_bytes()
                                                       : value.as_enum().label;
        out.collation = CollationOf(column.type, value.kind());
        return out;
      case ValueKind::kDate:
        out.kind = Operand::Kind::kDateTime;
        out.time.date = value.as_date();
        return out;
      case ValueKind::kDateTime:
      case ValueKind::kTimestamp:
        out.kind = Operand::Kind::kDateTime;
        out.time = value.as_datetime();
        out.time.precision = 0;
        return out;
      default:
        return NotExact(fmt::format("column {} holds a {} value", name,
                                    ValueKindName(value.kind())));
    }
  }

  Result<Operand> Arithmetic(const Node& node) {
    using Kind = Operand::Kind;
    CUTOVER_ASSIGN_OR_RETURN(Operand a, Eval(*node.children[0]));
    CUTOVER_ASSIGN_OR_RETURN(Operand b, Eval(*node.children[1]));
    if (a.kind == Kind::kNull || b.kind == Kind::kNull) return Operand{};
    auto numeric = [](const Operand& o) { return o.kind == Kind::kNumber || o.kind == Kind::kDouble; };
    if (!numeric(a) || !numeric(b)) return NotExact("arithmetic on a text or a date");
    Operand out;
    if (a.kind == Kind::kDouble || b.kind == Kind::kDouble) {
      out.kind = Kind::kDouble;
      double x = ToDouble(a);
      double y = ToDouble(b);
      out.real = node.text == "+" ? x + y : node.text == "-" ? x - y : x * y;
      return out;
    }
    out.kind = Kind::kNumber;
    bool overflow = false;
    if (node.text == "*") {
      overflow = __builtin_mul_overflow(a.mantissa, b.mantissa, &out.mantissa);
      out.scale = a.scale + b.scale;
    } else {
      if (!Align(&a, &b)) return NotExact("a number has too many digits");
      overflow = node.text == "+" ? __builtin_add_overflow(a.mantissa, b.mantissa, &out.mantissa)
                                  : __builtin_sub_overflow(a.mantissa, b.mantissa, &out.mantissa);
      out.scale = a.scale;
    }
    if (overflow || out.scale > 38) return NotExact("an arithmetic result has too many digits");
    return out;
  }

  Result<Operand> Call(const Node& node) {
    using Kind = Operand::Kind;
    const std::string& name = node.text;
    if (name == "COALESCE") {
      for (const NodePtr& argument : node.children) {
        CUTOVER_ASSIGN_OR_RETURN(Operand value, Eval(*argument));
        if (value.kind != Kind::kNull) return value;
      }
      return Operand{};
    }
    CUTOVER_ASSIGN_OR_RETURN(Operand value, Eval(*node.children[0]));
    if (value.kind == Kind::kNull) return value;
    if (name == "LOWER" || name == "UPPER") {
      if (value.kind != Kind::kText) return NotExact(name + " of a value that is not text");
      if (!IsAscii(value.text)) {
        return NotExact(fmt::format("{}('{}'): the text is not ASCII", name, value.text));
      }
      for (char& c : value.text) {
        auto byte = static_cast<unsigned char>(c);
        c = static_cast<char>(name == "LOWER" ? std::tolower(byte) : std::toupper(byte));
      }
      return value;
    }
    if (name == "ABS") {
      if (value.kind == Kind::kNumber && value.mantissa < 0) value.mantissa = -value.mantissa;
      if (value.kind == Kind::kDouble && value.real < 0) value.real = -value.real;
      if (value.kind != Kind::kNumber && value.kind != Kind::kDouble) {
        return NotExact("ABS of a value that is not a number");
      }
      return value;
    }
    // YEAR, MONTH, DAY
    if (value.kind == Kind::kText && !value.collation) {
      std::optional<DateTime> parsed = ParseDateTime(value.text);
      if (!parsed) return NotExact(fmt::format("{}('{}'): not a date", name, value.text));
      value.kind = Kind::kDateTime;
      value.time = *parsed;
    }
    if (value.kind != Kind::kDateTime) return NotExact(name + " of a value that is not a date");
    Operand out;
    out.kind = Kind::kNumber;
    out.mantissa = name == "YEAR" ? value.time.date.year
                   : name == "MONTH" ? value.time.date.month
                                     : value.time.date.day;
    return out;
  }

  const TableSchema& schema_;
  const Row* row_;
};

// Check: the types each operation meets, from the columns' types, without values.
class Checker {
 public:
  explicit Checker(const TableSchema& schema) : schema_(schema) {}

  Result<Operand::Kind> Kind(const Node& node) {
    using K = Operand::Kind;
    switch (node.kind) {
      case NodeKind::kNull: return K::kNull;
      case NodeKind::kNumber: return K::kNumber;
      case NodeKind::kString: return K::kText;
      case NodeKind::kDate:
      case NodeKind::kTimestamp: return K::kDateTime;
      case NodeKind::kColumn: {
        std::optional<size_t> index = schema_.ColumnIndex(node.text);
        if (!index) {
          return Status::InvalidArgument(
              fmt::format("{} has no column {}", schema_.id.ToString(), node.text));
        }
        const Column& column = schema_.columns[*index];
        Operand placeholder;
        placeholder.kind = KindOf(column);
        if (placeholder.kind == K::kNull) {
          return Status::InvalidArgument(fmt::format(
              "column {} is {}: cutover cannot evaluate a filter on it exactly (filter on "
              "numbers, text, ENUM and dates)",
              node.text, column.type.source_name.empty() ? "of an unsupported type"
                                                         : column.type.source_name));
        }
        return placeholder.kind;
      }
      case NodeKind::kCompare:
      case NodeKind::kBetween:
      case NodeKind::kIn: return Comparison(node);
      case NodeKind::kLike: {
        CUTOVER_ASSIGN_OR_RETURN(K operand, Kind(*node.children[0]));
        if (operand != K::kText && operand != K::kNull) {
          return Status::InvalidArgument("LIKE applies to text only");
        }
        CUTOVER_RETURN_IF_ERROR(CollationAllows(*node.children[0], /*ordering=*/false));
        return K::kBool;
      }
      case NodeKind::kNot:
      case NodeKind::kAnd:
      case NodeKind::kOr:
      case NodeKind::kIsNull:
        for (const NodePtr& child : node.children) CUTOVER_RETURN_IF_ERROR(Kind(*child).status());
        return K::kBool;
      case NodeKind::kArithmetic: {
        for (const NodePtr& child : node.children) {
          CUTOVER_ASSIGN_OR_RETURN(K kind, Kind(*child));
          if (kind != K::kNumber && kind != K::kDouble && kind != K::kNull) {
            return Status::InvalidArgument(
                fmt::format("'{}' applies to numbers only", node.text));
          }
        }
        return K::kNumber;
      }
      case NodeKind::kCall: {
        std::vector<K> kinds;
        for (const NodePtr& child : node.children) {
          CUTOVER_ASSIGN_OR_RETURN(K kind, Kind(*child));
          kinds.push_back(kind);
        }
        const std::string& name = node.text;
        if (name == "COALESCE") return kinds.empty() ? K::kNull : kinds.front();
        if (name == "LOWER" || name == "UPPER") return K::kText;
        if (name == "ABS") return K::kNumber;
        return K::kNumber;  // YEAR, MONTH, DAY
      }
    }
    return K::kNull;
  }

 private:
  static Operand::Kind KindOf(const Column& column) {
    switch (column.type.value_kind()) {
      case ValueKind::kInt:
      case ValueKind::kUInt:
      case ValueKind::kBit:
      case ValueKind::kDecimal: return Operand::Kind::kNumber;
      case ValueKind::kFloat:
      case ValueKind::kDouble: return Operand::Kind::kDouble;
      case ValueKind::kText:
      case ValueKind::kBytes:
      case ValueKind::kEnum: return Operand::Kind::kText;
      case ValueKind::kDate:
      case ValueKind::kDateTime:
      case ValueKind::kTimestamp: return Operand::Kind::kDateTime;
      default: return Operand::Kind::kNull;
    }
  }

  // The collation of a text column operand allows the comparison.
  Status CollationAllows(const Node& operand, bool ordering) {
    if (operand.kind != NodeKind::kColumn) return Status::Ok();
    const Column& column = schema_.columns[*schema_.ColumnIndex(operand.text)];
    if (KindOf(column) != Operand::Kind::kText) return Status::Ok();
    Collation collation = CollationOf(column.type, column.type.value_kind());
    if (!collation.binary && !collation.ci) {
      return Status::InvalidArgument(fmt::format(
          "column {} has collation {}: cutover compares text exactly under binary and "
          "case-insensitive collations only",
          operand.text, collation.name));
    }
    if (ordering && !collation.ordered) {
      return Status::InvalidArgument(fmt::format(
          "column {} has collation {}: cutover reproduces its equality but not its order; use "
          "=, <>, IN or LIKE on it, or a _bin or *_general_ci collation",
          operand.text, collation.name));
    }
    return Status::Ok();
  }

  Result<Operand::Kind> Comparison(const Node& node) {
    using K = Operand::Kind;
    std::vector<K> kinds;
    for (const NodePtr& child : node.children) {
      CUTOVER_ASSIGN_OR_RETURN(K kind, Kind(*child));
      kinds.push_back(kind);
    }
    const bool ordering = node.kind == NodeKind::kBetween ||
                          (node.kind == NodeKind::kCompare && node.text != "=" &&
                           node.text != "<>");
    auto numeric = [](K kind) { return kind == K::kNumber || kind == K::kDouble || kind == K::kBool; };
    if (kinds.empty()) return K::kBool;  // the parser never makes one (and -O3 cannot tell)
    K first = kinds[0];
    for (size_t index = 1; index < kinds.size(); ++index) {
      K other = kinds[index];
      if (first == K::kNull || other == K::kNull) continue;
      bool fits = (numeric(first) && numeric(other)) || (first == K::kText && other == K::kText) ||
                  (first == K::kDateTime && (other == K::kDateTime || other == K::kText)) ||
                  (first == K::kText && other == K::kDateTime);
      if (!fits) {
        return Status::InvalidArgument(
            "a comparison of a number with a text or a date: the server converts such values in "
            "ways cutover does not reproduce; compare numbers with numbers, text with 'text', "
            "dates with DATE '...'");
      }
      // A text compared with a date must be a literal date.
      const Node& text_side = first == K::kText && other == K::kDateTime ? *node.children[0]
                              : first == K::kDateTime && other == K::kText ? *node.children[index]
                                                                             : node;
      if (&text_side != &node && text_side.kind != NodeKind::kString) {
        return Status::InvalidArgument("a date compared with text that is not a 'YYYY-MM-DD' literal");
      }
      if (&text_side != &node && !ParseDateTime(text_side.text)) {
        return Status::InvalidArgument(fmt::format(
            "'{}' is not a date: write 'YYYY-MM-DD' or 'YYYY-MM-DD hh:mm:ss'", text_side.text));
      }
    }
    for (const NodePtr& child : node.children) {
      CUTOVER_RETURN_IF_ERROR(CollationAllows(*child, ordering));
    }
    return K::kBool;
  }

  const TableSchema& schema_;
};

}  // namespace

Status CheckShape(const Node& node) {
  for (const NodePtr& child : node.children) CUTOVER_RETURN_IF_ERROR(CheckShape(*child));
  switch (node.kind) {
    case NodeKind::kArithmetic:
      if (node.text == "/" || node.text == "%") {
        return Status::InvalidArgument(fmt::format(
            "'{}' is not supported: the server rounds decimal division to "
            "div_precision_increment digits, which cutover does not reproduce; multiply instead",
            node.text));
      }
      return Status::Ok();
    case NodeKind::kDate:
    case NodeKind::kTimestamp:
      if (!ParseDateTime(node.text) ||
          (node.kind == NodeKind::kDate && node.text.size() != 10)) {
        return Status::InvalidArgument(fmt::format(
            "{} '{}' is not a valid literal: write DATE 'YYYY-MM-DD' or TIMESTAMP "
            "'YYYY-MM-DD hh:mm:ss[.ffffff]'",
            node.kind == NodeKind::kDate ? "DATE" : "TIMESTAMP", node.text));
      }
      return Status::Ok();
    case NodeKind::kNumber:
      if (!NumberOf(node.text)) {
        return Status::InvalidArgument(fmt::format("{} has more than 38 digits", node.text));
      }
      return Status::Ok();
    case NodeKind::kCall: {
      const std::string& name = node.text;
      size_t arguments = node.children.size();
      if (name == "COALESCE") {
        if (arguments == 0) return Status::InvalidArgument("COALESCE needs at least one argument");
        return Status::Ok();
      }
      for (const char* known : {"LOWER", "UPPER", "ABS", "YEAR", "MONTH", "DAY"}) {
        if (name != known) continue;
        if (arguments != 1) {
          return Status::InvalidArgument(fmt::format("{} takes one argument", name));
        }
        return Status::Ok();
      }
      return Status::InvalidArgument(fmt::format(
          "unknown function {}: the filter language has COALESCE, LOWER, UPPER, ABS, YEAR, "
          "MONTH and DAY",
          name));
    }
    default: return Status::Ok();
  }
}

Status Filter::Check(const TableSchema& schema) const {
  Checker checker(schema);
  Result<Operand::Kind> kind = checker.Kind(*root_);
  if (!kind.ok()) return kind.status();
  return Status::Ok();
}

Result<bool> Filter::Matches(const TableSchema& schema, const Row& row) const {
  Evaluator evaluator(schema, row);
  CUTOVER_ASSIGN_OR_RETURN(std::optional<bool> truth, evaluator.Truth(*root_));
  return truth.value_or(false);
}

}  // namespace cutover::filter
