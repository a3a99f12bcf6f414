// Builders of malformed specs for spec_bad_input_test.cc: a valid spec with one place open for
// the value under test (source, target, a table entry, a section ...), and a generator of the
// malformed values of each value type (string, integer, boolean, size, duration, enum, list,
// secret, file, mapping) with the exact message each must get.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace cutover::spec_test {

// ---- Valid specs with one place left open for the value under test ----

inline constexpr char kName[] = "name: shop\n";
inline constexpr char kSource[] = "source: {kind: mariadb, user: cutover}\n";
inline constexpr char kTarget[] = "target: {kind: postgres, user: cutover, database: shop}\n";
inline constexpr char kTables[] = "tables: [{match: shop.*}]\n";

inline std::string Join(const std::string& fixed, const std::string& more) {
  return more.empty() ? fixed : fixed + ", " + more;
}
// `more` is the text of one or more `key: value` pairs of a flow mapping.
inline std::string Source(const std::string& more) {
  return kName + ("source: {" + Join("kind: mariadb, user: cutover", more) + "}\n") + kTarget +
         kTables;
}
inline std::string PgSource(const std::string& more) {
  return kName +
         ("source: {" + Join("kind: postgres, user: cutover, database: app", more) + "}\n") +
         kTarget + kTables;
}
inline std::string Target(const std::string& more) {
  return kName + std::string(kSource) +
         ("target: {" + Join("kind: postgres, user: cutover, database: shop", more) + "}\n") +
         kTables;
}
inline std::string Dynamo(const std::string& more) {
  return kName + std::string(kSource) + "target: {kind: dynamodb, dynamodb: {" + more + "}}\n" +
         kTables;
}
inline std::string KafkaTarget(const std::string& more) {
  return kName + std::string(kSource) + "target: {kind: kafka, kafka: {" +
         Join("brokers: \"k:9092\"", more) + "}}\n" + kTables;
}
inline std::string KafkaLog(const std::string& more) {
  return kName + std::string(kSource) + kTarget + kTables + "change_log: {kind: kafka, kafka: {" +
         Join("brokers: \"k:9092\"", more) + "}}\n";
}
inline std::string SourceWithoutKind(const std::string& more) {
  return kName + ("source: {user: cutover, " + more + "}\n") + kTarget + kTables;
}
inline std::string TargetWithoutKind(const std::string& more) {
  return kName + std::string(kSource) + "target: {user: cutover, database: shop, " + more + "}\n" +
         kTables;
}
inline std::string TargetWithoutDatabase(const std::string& more) {
  return kName + std::string(kSource) + "target: {kind: mariadb, user: cutover, " + more + "}\n" +
         kTables;
}
inline std::string SourceWithoutUser(const std::string& more) {
  return kName + ("source: {kind: mariadb, " + more + "}\n") + kTarget + kTables;
}
inline constexpr char kDynamoKind[] = "dynamodb";
inline constexpr char kKafkaKind[] = "kafka";
template <const char* kKind>
std::string TargetOfKind(const std::string& more) {
  return kName + std::string(kSource) + "target: {kind: " + kKind + ", " + more + "}\n" + kTables;
}
inline std::string TableWithoutMatch(const std::string& more) {
  return kName + std::string(kSource) + kTarget + "tables: [{" + more + "}]\n";
}
inline std::string Table(const std::string& more) {
  return kName + std::string(kSource) + kTarget + "tables: [{" + Join("match: shop.*", more) +
         "}]\n";
}
// A top-level section `section: {more}` added to a valid spec.
inline std::string Section(const std::string& section, const std::string& more) {
  return kName + std::string(kSource) + kTarget + kTables + section + ": {" + more + "}\n";
}
inline std::string TopLevel(const std::string& line) {
  return kName + std::string(kSource) + kTarget + kTables + line + "\n";
}

using Wrap = std::string (*)(const std::string&);
inline std::string WrapChangeLog(const std::string& more) { return Section("change_log", more); }
inline std::string WrapParallelism(const std::string& more) { return Section("parallelism", more); }
inline std::string WrapThrottle(const std::string& more) { return Section("throttle", more); }
inline std::string WrapControl(const std::string& more) { return Section("control", more); }
inline std::string WrapMaxLoad(const std::string& more) {
  return Section("throttle", "max_load: {" + more + "}");
}
inline std::string WrapGuards(const std::string& more) {
  return Section("control", "guards: {" + more + "}");
}
inline std::string WrapSourceTls(const std::string& more) { return Source("tls: {" + more + "}"); }
inline std::string WrapTargetTls(const std::string& more) { return Target("tls: {" + more + "}"); }
inline std::string WrapKafkaTls(const std::string& more) {
  return KafkaTarget("tls: {" + more + "}");
}

// ---- The cases ----

struct BadInput {
  std::string field;     // as docs/spec.md's tables name it: "source.port", "tls.mode"
  std::string name;      // what is wrong, for the test name
  std::string yaml;      // a whole spec
  std::string expected;  // the whole message, one line per problem, without "<origin>: "
};

inline void PrintTo(const BadInput& input, std::ostream* out) {
  *out << input.field << " " << input.name;
}

class Cases {
 public:
  // One case; `path` is where the message says the problem is.
  void Add(const std::string& field, const std::string& name, const std::string& yaml,
           const std::string& path, const std::string& text) {
    cases_.push_back({field, name, yaml, path + ": " + text});
  }
  void AddLines(const std::string& field, const std::string& name, const std::string& yaml,
                const std::string& lines) {
    cases_.push_back({field, name, yaml, lines});
  }

  // A string field (`key` inside what `wrap` builds, reported at `path`): not a list, a
  // mapping, null, or empty.
  void String(const std::string& field, Wrap wrap, const std::string& key, const std::string& path,
              bool empty_allowed = false) {
    Add(field, "List", wrap(key + ": [a, b]"), path,
        "expected a string, got a list; write a "
        "single value");
    Add(field, "Mapping", wrap(key + ": {a: 1}"), path,
        "expected a string, got a mapping; write a single value");
    Add(field, "Null", wrap(key + ": ~"), path,
        "expected a string, got null; write a single value");
    if (!empty_allowed) {
      Add(field, "Empty", wrap(key + ": \"\""), path,
          "empty value; write a value or remove the field");
      Add(field, "Blank", wrap(key + ": \"   \""), path,
          "empty value; write a value or remove the field");
    }
  }

  // An integer field with range `range` ("allowed 1..65535").
  void Integer(const std::string& field, Wrap wrap, const std::string& key, const std::string& path,
               const std::string& below, const std::string& above, const std::string& range) {
    Add(field, "Text", wrap(key + ": many"), path, "expected an integer, got 'many'; " + range);
    Add(field, "Decimal", wrap(key + ": 1.5"), path, "expected an integer, got '1.5'; " + range);
    Add(field, "Hex", wrap(key + ": 0x10"), path, "expected an integer, got '0x10'; " + range);
    Add(field, "Underscore", wrap(key + ": 1_000"), path,
        "expected an integer, got '1_000'; " + range);
    Add(field, "Exponent", wrap(key + ": 1e3"), path, "expected an integer, got '1e3'; " + range);
    Add(field, "List", wrap(key + ": [1]"), path, "expected an integer, got a list; " + range);
    Add(field, "Mapping", wrap(key + ": {a: 1}"), path,
        "expected an integer, got a mapping; " + range);
    Add(field, "Null", wrap(key + ": ~"), path, "expected an integer, got null; " + range);
    Add(field, "Empty", wrap(key + ": \"\""), path, "expected an integer, got ''; " + range);
    Add(field, "Below", wrap(key + ": " + below), path, below + " is out of range; " + range);
    if (!above.empty()) {
      Add(field, "Above", wrap(key + ": " + above), path, above + " is out of range; " + range);
    }
    Add(field, "Overflow", wrap(key + ": 99999999999999999999999"), path,
        "99999999999999999999999 is out of range; " + range);
    Add(field, "NegativeOverflow", wrap(key + ": -99999999999999999999999"), path,
        "-99999999999999999999999 is out of range; " + range);
    Add(field, "TenThousandDigits", wrap(key + ": " + std::string(10000, '9')), path,
        std::string(60, '9') + "... is out of range; " + range);
  }

  void Boolean(const std::string& field, Wrap wrap, const std::string& key,
               const std::string& path) {
    for (const char* value : {"yes", "no", "on", "1", "0", "tru"}) {
      Add(field, std::string("Word_") + value, wrap(key + ": " + value), path,
          std::string("expected a boolean, got '") + value + "'; write true or false");
    }
    Add(field, "List", wrap(key + ": [true]"), path,
        "expected a boolean, got a list; write true or false");
    Add(field, "Null", wrap(key + ": ~"), path,
        "expected a boolean, got null; write true or false");
  }

  // A size field; `below`/`above` are out of range (empty: no such value).
  void Size(const std::string& field, Wrap wrap, const std::string& key, const std::string& path,
            const std::string& below, const std::string& above, const std::string& range) {
    Unit unit{"size",
              "use a byte count or a whole number with B, KiB, MiB, GiB or TiB, e.g. 64MiB",
              {"64MB", "1.5GiB", "-1", "MiB", "12 parsecs", "0x100", "99999999999TiB",
               "99999999999999999999999"}};
    Measured(field, wrap, key, path, unit, below, above, range);
  }

  // A duration field; `seconds`: it counts whole seconds.
  void Duration(const std::string& field, Wrap wrap, const std::string& key,
                const std::string& path, const std::string& below, const std::string& above,
                const std::string& range, bool seconds) {
    Unit unit{"duration",
              "use whole numbers with ms, s, m or h, e.g. 500ms, 30s, 5m, 24h or 1h30m",
              {"500", "1.5s", "-1s", "5d", "1 hour", "s", "10s garbage", "99999999999999999999h",
               "2562047788015h2562047788015h"}};
    Measured(field, wrap, key, path, unit, below, above, range);
    if (seconds) {
      Add(field, "NotWholeSeconds", wrap(key + ": 2500ms"), path,
          "2500ms is not a whole number of seconds; use s, m or h, e.g. 30s or 2m");
    }
  }

  // An enum field with `allowed` ("allowed values are a, b"); `near` a misspelling of `value`.
  void Enum(const std::string& field, Wrap wrap, const std::string& key, const std::string& path,
            const std::string& allowed, const std::string& near, const std::string& value) {
    Add(field, "Unknown", wrap(key + ": zzzzzzzzzz"), path,
        "unknown value 'zzzzzzzzzz'; " + allowed);
    Add(field, "Near", wrap(key + ": " + near), path,
        "unknown value '" + near + "'; did you mean '" + value + "'? " + allowed);
    Add(field, "Empty", wrap(key + ": \"\""), path, "unknown value ''; " + allowed);
    Add(field, "List", wrap(key + ": [" + value + "]"), path,
        "expected a string, got a list; " + allowed);
    Add(field, "Null", wrap(key + ": ~"), path, "expected a string, got null; " + allowed);
  }

  // A list of strings.
  void StringList(const std::string& field, Wrap wrap, const std::string& key,
                  const std::string& path) {
    Add(field, "Scalar", wrap(key + ": abc"), path,
        "expected a list, got 'abc'; write [a, b] or one `- item` line per entry");
    Add(field, "Mapping", wrap(key + ": {a: 1}"), path,
        "expected a list, got a mapping; write [a, b] or one `- item` line per entry");
    Add(field, "Null", wrap(key + ": ~"), path,
        "expected a list, got null; write [a, b] or one `- item` line per entry");
    Add(field, "NestedList", wrap(key + ": [[a]]"), path + "[0]",
        "expected a string, got a list; write a single value");
    Add(field, "EmptyItem", wrap(key + ": [\"a.b\", \"\"]"), path + "[1]",
        "empty value; remove it or write a value");
  }

  // A secret `name` (name_env, name_file) inside what `wrap` builds, at `path` (without _env).
  // `literal_also_missing`: what is also reported when the secret is written literally (a
  // section that requires it).
  void Secret(const std::string& field_prefix, Wrap wrap, const std::string& name,
              const std::string& path, const std::string& literal_also_missing = "") {
    const std::string env = field_prefix + name + "_env";
    const std::string file = field_prefix + name + "_file";
    Add(env, "NotSet", wrap(name + "_env: CUTOVER_UNSET"), path + "_env",
        "environment variable CUTOVER_UNSET is not set; export it before running cutover, or "
        "use " +
            name + "_file");
    Add(env, "SetEmpty", wrap(name + "_env: CUTOVER_EMPTY"), path + "_env",
        "environment variable CUTOVER_EMPTY is empty; set it to the secret, or use " + name +
            "_file");
    Add(env, "NotAName", wrap(name + "_env: \"p@ss w0rd\""), path + "_env",
        "not an environment variable name (the value is not shown: it may be the secret "
        "itself); write the name of a variable made of letters, digits and '_', e.g. "
        "CUTOVER_SOURCE_PASSWORD, and put the secret in that variable");
    Add(env, "StartsWithDigit", wrap(name + "_env: 1ABC"), path + "_env",
        "not an environment variable name (the value is not shown: it may be the secret "
        "itself); write the name of a variable made of letters, digits and '_', e.g. "
        "CUTOVER_SOURCE_PASSWORD, and put the secret in that variable");
    Add(env, "List", wrap(name + "_env: [A]"), path + "_env",
        "expected a string, got a list; write a single value");
    Add(env, "Empty", wrap(name + "_env: \"\""), path + "_env",
        "empty value; write a value or remove the field");
    Add(file, "Missing", wrap(name + "_file: no/such/secret"), path + "_file",
        "cannot read /specs/no/such/secret: No such file or directory; create the file or fix "
        "the path (a relative path starts at the spec file's directory)");
    Add(file, "Directory", wrap(name + "_file: /"), path + "_file",
        "cannot read /: it is a directory; create the file or fix the path (a relative path "
        "starts at the spec file's directory)");
    Add(file, "UnderAFile", wrap(name + "_file: /etc/hostname/x"), path + "_file",
        "cannot read /etc/hostname/x: Not a directory; create the file or fix the path (a "
        "relative path starts at the spec file's directory)");
    Add(file, "EmptyFile", wrap(name + "_file: /dev/null"), path + "_file",
        "/dev/null is empty; write the secret into it");
    Add(file, "Mapping", wrap(name + "_file: {a: 1}"), path + "_file",
        "expected a string, got a mapping; write a single value");
    Add(file, "Both", wrap(name + "_env: CUTOVER_SET, " + name + "_file: /etc/hostname"),
        path + "_file", "both " + name + "_env and " + name + "_file are set; keep one");
    const std::string literal = path + ": secrets never live in the spec; remove it and use " +
                                name + "_env (an environment variable) or " + name +
                                "_file (a file) instead";
    AddLines(env, "Literal", wrap(name + ": hunter2"),
             literal_also_missing.empty() ? literal
                                          : path + ": " + literal_also_missing + "\n" + literal);
  }

  // A readable file path (tls files).
  void ReadableFile(const std::string& field, Wrap wrap, const std::string& key,
                    const std::string& path, const std::string& pair) {
    const std::string with_pair = pair.empty() ? "" : ", " + pair + ": /etc/hostname";
    Add(field, "Missing", wrap(key + ": no/such.pem" + with_pair), path,
        "cannot read /specs/no/such.pem: No such file or directory; fix the path (a relative "
        "path starts at the spec file's directory)");
    Add(field, "Directory", wrap(key + ": /tmp" + with_pair), path,
        "cannot read /tmp: it is a directory; fix the path (a relative path starts at the spec "
        "file's directory)");
    Add(field, "List", wrap(key + ": [a]" + with_pair), path,
        "expected a string, got a list; write a single value");
    Add(field, "Empty", wrap(key + ": \"\"" + with_pair), path,
        "empty value; write a value or remove the field");
  }

  // A mapping section: written as a scalar or a list, or with an unknown field.
  void Mapping(const std::string& field, Wrap wrap, const std::string& key, const std::string& path,
               const std::string& allowed_fields) {
    Add(field, "Scalar", wrap(key + ": abc"), path,
        "expected a mapping, got 'abc'; write its fields as `name: value` lines indented below "
        "it");
    Add(field, "List", wrap(key + ": [a]"), path,
        "expected a mapping, got a list; write its fields as `name: value` lines indented below "
        "it");
    Add(field, "UnknownField", wrap(key + ": {zzzzzzzzzzzz: 1}"), path + ".zzzzzzzzzzzz",
        "unknown field; allowed fields are " + allowed_fields);
  }

  std::vector<BadInput> Take() { return std::move(cases_); }

 private:
  // A size or a duration: its noun, the help its messages end with, and texts that are not one
  // (wrong units, fractions, signs, overflow).
  struct Unit {
    std::string noun;
    std::string help;
    std::vector<std::string> not_one;
  };

  void Measured(const std::string& field, Wrap wrap, const std::string& key,
                const std::string& path, const Unit& unit, const std::string& below,
                const std::string& above, const std::string& range) {
    for (size_t index = 0; index < unit.not_one.size(); ++index) {
      const std::string& value = unit.not_one[index];
      Add(field, "Not_" + std::to_string(index), wrap(key + ": \"" + value + "\""), path,
          "'" + value + "' is not a " + unit.noun + "; " + unit.help);
    }
    Add(field, "List", wrap(key + ": [1]"), path,
        "expected a " + unit.noun + ", got a list; " + unit.help);
    Add(field, "Null", wrap(key + ": ~"), path,
        "expected a " + unit.noun + ", got null; " + unit.help);
    if (!below.empty()) {
      Add(field, "Below", wrap(key + ": " + below), path, below + " is out of range; " + range);
    }
    if (!above.empty()) {
      Add(field, "Above", wrap(key + ": " + above), path, above + " is out of range; " + range);
    }
  }

  std::vector<BadInput> cases_;
};

}  // namespace cutover::spec_test
