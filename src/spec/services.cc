// Services: parses the `dynamodb` and `kafka` blocks (target settings and the Kafka change log).
#include <limits>

#include "spec/enums.h"
#include "spec/rules.h"
#include "spec/sections.h"

namespace cutover::spec_internal {
namespace {

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
constexpr std::string_view kBrokersExample = "brokers: \"kafka1:9092,kafka2:9092\"";

// Splits "a:1, b:2" into trimmed parts (empty parts kept, to be reported).
std::vector<std::string> SplitBrokers(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? comma : comma - start);
    size_t first = part.find_first_not_of(" \t");
    size_t last = part.find_last_not_of(" \t");
    parts.push_back(first == std::string::npos ? "" : part.substr(first, last - first + 1));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

// `brokers` as a comma-separated string or a list of host:port; joined with ','.
void ParseBrokers(Fields& kafka, KafkaSpec* out) {
  const YAML::Node* node = kafka.Get("brokers");
  if (node == nullptr) return;
  std::vector<std::string> brokers;
  if (node->IsScalar()) {
    brokers = SplitBrokers(node->Scalar());
  } else if (node->IsSequence()) {
    if (!kafka.ReadStringList("brokers", &brokers)) return;
  } else {
    kafka.Report("brokers", "expected a string or a list, got " + Describe(*node) + "; write " +
                                std::string(kBrokersExample));
    return;
  }
  std::string joined;
  bool valid = true;
  for (const std::string& broker : brokers) {
    if (std::optional<std::string> problem = HostPortProblem(broker, false, "kafka1:9092")) {
      kafka.Report("brokers", *problem);
      valid = false;
    }
    joined += joined.empty() ? broker : "," + broker;
  }
  if (valid) out->brokers = joined;
}

void ParseSasl(Fields& kafka, const ParseContext& context, KafkaSpec* out) {
  int mechanism = 0;
  const bool has_mechanism = kafka.ReadEnum("sasl_mechanism", kSaslMechanisms, &mechanism);
  if (has_mechanism) out->sasl_mechanism = kSaslMechanisms[static_cast<size_t>(mechanism)].name;
  kafka.ReadNonEmptyString("sasl_user", &out->sasl_user);
  out->sasl_password = ReadSecret(kafka, "sasl_password", context);
  if (has_mechanism) {
    const std::string needs = "sasl_mechanism " + out->sasl_mechanism +
                              " needs sasl_user and sasl_password_env or sasl_password_file";
    kafka.Require("sasl_user", needs);
    if (kafka.valid() && !SecretConfigured(kafka, "sasl_password")) {
      kafka.diag().Add(kafka.place(), kafka.PathOf("sasl_password"),
                       "missing required field; " + needs);
    }
    return;
  }
  if (kafka.Has("sasl_mechanism")) return;  // present but invalid: already reported
  for (std::string_view key : {"sasl_user", "sasl_password_env", "sasl_password_file"}) {
    if (!kafka.Has(key)) continue;
    kafka.Report(key,
                 "only used with sasl_mechanism; set sasl_mechanism (PLAIN, SCRAM-SHA-256 or "
                 "SCRAM-SHA-512) or remove it");
  }
}

void ParseAwsKeys(Fields& dynamodb, const ParseContext& context, DynamoDbSpec* out) {
  out->access_key_id = ReadSecret(dynamodb, "access_key_id", context);
  out->secret_access_key = ReadSecret(dynamodb, "secret_access_key", context);
  const bool has_id = SecretConfigured(dynamodb, "access_key_id");
  const bool has_key = SecretConfigured(dynamodb, "secret_access_key");
  if (has_id != has_key && dynamodb.valid()) {
    const std::string present = has_id ? "access_key_id" : "secret_access_key";
    const std::string missing = has_id ? "secret_access_key" : "access_key_id";
    dynamodb.diag().Add(dynamodb.place(), dynamodb.PathOf(missing),
                        "missing required field; " + present +
                            " is set and AWS keys come in pairs: set " + missing + "_env or " +
                            missing + "_file too");
  }
  std::string profile;
  if (dynamodb.ReadNonEmptyString("profile", &profile)) {
    if (has_id || has_key) {
      dynamodb.Report("profile",
                      "not used when access keys are given; keep either the keys or the profile");
    } else {
      out->profile = profile;
    }
  }
}

void ParseBilling(Fields& dynamodb, DynamoDbSpec* out) {
  // When billing is written but invalid, it was reported; the capacities are then not judged.
  const bool billing_known =
      dynamodb.ReadEnum("billing", kBillings, &out->billing) || !dynamodb.Has("billing");
  const std::array<std::pair<std::string_view, int64_t*>, 2> capacities = {
      {{"read_capacity", &out->read_capacity}, {"write_capacity", &out->write_capacity}}};
  for (auto [key, field] : capacities) {
    dynamodb.ReadInt(key, 1, kUnlimited, field);
    if (out->billing == DynamoDbSpec::Billing::kProvisioned) {
      dynamodb.Require(key,
                       "billing: provisioned needs read_capacity and write_capacity (capacity "
                       "units per second)");
    } else if (dynamodb.Has(key) && billing_known) {
      dynamodb.Report(key,
                      "only used with billing: provisioned; remove it or set billing: "
                      "provisioned");
    }
  }
}

}  // namespace

void ParseDynamoDb(Fields& dynamodb, const ParseContext& context, DynamoDbSpec* out) {
  std::string text;
  if (dynamodb.ReadNonEmptyString("region", &text)) {
    if (std::optional<std::string> problem = RegionProblem(text)) {
      dynamodb.Report("region", *problem);
    } else {
      out->region = text;
    }
  }
  if (dynamodb.ReadNonEmptyString("endpoint", &text)) {
    if (std::optional<std::string> problem = EndpointProblem(text)) {
      dynamodb.Report("endpoint", *problem);
    } else {
      out->endpoint = text;
    }
  }
  ParseAwsKeys(dynamodb, context, out);
  ParseBilling(dynamodb, out);
  dynamodb.ReportUnknown();
}

void ParseKafka(Fields& kafka, const ParseContext& context, std::string_view owner, bool target,
                KafkaSpec* out) {
  ParseBrokers(kafka, out);
  kafka.Require("brokers",
                std::string(owner) + " needs brokers, e.g. " + std::string(kBrokersExample));
  std::string topic;
  if (kafka.ReadNonEmptyString("topic", &topic)) {
    if (std::optional<std::string> problem = TopicProblem(topic)) {
      kafka.Report("topic", *problem);
    } else {
      out->topic = topic;
    }
  }
  kafka.ReadInt("partitions", 1, 10000, &out->partitions);
  if (target) {
    if (kafka.ReadNonEmptyString("topic_prefix", &topic)) {
      if (std::optional<std::string> problem = TopicProblem(topic)) {
        kafka.Report("topic_prefix", *problem);
      } else {
        out->topic_prefix = topic;
      }
    }
    kafka.ReadInt("replication_factor", 1, 32767, &out->replication_factor);
    kafka.ReadBool("schemas", &out->schemas);
  }
  ParseTls(kafka, context, &out->tls);
  ParseSasl(kafka, context, out);
  kafka.ReportUnknown();
}

}  // namespace cutover::spec_internal
