// Enums: the YAML spelling of every enum in a spec, the one table both parsing and naming use.
#pragma once

#include <array>
#include <string_view>

#include "cutover/spec.h"

namespace cutover::spec_internal {

// One spelling of an enum value in YAML.
template <typename E>
struct EnumName {
  std::string_view name;
  E value;
};

inline constexpr std::array<EnumName<SourceKind>, 3> kSourceKinds = {{
    {"mariadb", SourceKind::kMariaDB},
    {"mysql", SourceKind::kMySQL},
    {"postgres", SourceKind::kPostgres},
}};

inline constexpr std::array<EnumName<TargetKind>, 5> kTargetKinds = {{
    {"mariadb", TargetKind::kMariaDB},
    {"mysql", TargetKind::kMySQL},
    {"postgres", TargetKind::kPostgres},
    {"dynamodb", TargetKind::kDynamoDB},
    {"kafka", TargetKind::kKafka},
}};

inline constexpr std::array<EnumName<SourceSpec::ValueFormat>, 3> kValueFormats = {{
    {"auto", SourceSpec::ValueFormat::kAuto},
    {"binary", SourceSpec::ValueFormat::kBinary},
    {"text", SourceSpec::ValueFormat::kText},
}};

inline constexpr std::array<EnumName<TlsSpec::Mode>, 5> kTlsModes = {{
    {"disable", TlsSpec::Mode::kDisable},
    {"prefer", TlsSpec::Mode::kPrefer},
    {"require", TlsSpec::Mode::kRequire},
    {"verify_ca", TlsSpec::Mode::kVerifyCa},
    {"verify_full", TlsSpec::Mode::kVerifyFull},
}};

inline constexpr std::array<EnumName<TargetSpec::ExistingTable>, 3> kExistingTables = {{
    {"create", TargetSpec::ExistingTable::kCreate},
    {"truncate", TargetSpec::ExistingTable::kTruncate},
    {"keep", TargetSpec::ExistingTable::kKeep},
}};

inline constexpr std::array<EnumName<DynamoDbSpec::Billing>, 2> kBillings = {{
    {"on_demand", DynamoDbSpec::Billing::kOnDemand},
    {"provisioned", DynamoDbSpec::Billing::kProvisioned},
}};

inline constexpr std::array<EnumName<ChangeLogSpec::Kind>, 2> kChangeLogKinds = {{
    {"local", ChangeLogSpec::Kind::kLocal},
    {"kafka", ChangeLogSpec::Kind::kKafka},
}};

inline constexpr std::array<EnumName<DdlPolicy>, 3> kDdlPolicies = {{
    {"follow", DdlPolicy::kFollow},
    {"stop", DdlPolicy::kStop},
    {"ignore", DdlPolicy::kIgnore},
}};

// sasl_mechanism is a string in KafkaSpec; these are its allowed values.
inline constexpr std::array<EnumName<int>, 3> kSaslMechanisms = {{
    {"PLAIN", 0},
    {"SCRAM-SHA-256", 1},
    {"SCRAM-SHA-512", 2},
}};

// The YAML spelling of `value` in `names`; empty when not listed.
template <typename E, size_t N>
constexpr std::string_view EnumSpelling(const std::array<EnumName<E>, N>& names, E value) {
  for (const EnumName<E>& name : names) {
    if (name.value == value) return name.name;
  }
  return {};
}

}  // namespace cutover::spec_internal
