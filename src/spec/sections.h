// Sections: the parser of each part of a spec, called in document order by ParseSpec. Each
// reads its mapping from `root`, fills its struct and reports problems; none stops early.
#pragma once

#include <string_view>
#include <vector>

#include "cutover/spec.h"

#include "spec/fields.h"
#include "spec/secrets.h"

namespace cutover::spec_internal {

// connection.cc
void ParseSource(Fields& root, const ParseContext& context, SourceSpec* out);
void ParseTarget(Fields& root, const ParseContext& context, TargetSpec* out);
void ParseTls(Fields& parent, const ParseContext& context, TlsSpec* out);

// services.cc: `owner` names the user of the block in messages ("a kafka target").
void ParseDynamoDb(Fields& dynamodb, const ParseContext& context, DynamoDbSpec* out);
// `target`: also the target-only fields (topic_prefix, replication_factor, schemas).
void ParseKafka(Fields& kafka, const ParseContext& context, std::string_view owner, bool target,
                KafkaSpec* out);

// sections.cc
void ParseTables(Fields& root, std::vector<TableRule>* out);
void ParseChangeLog(Fields& root, const ParseContext& context, ChangeLogSpec* out);
void ParseParallelism(Fields& root, ParallelismSpec* out);
void ParseThrottle(Fields& root, ThrottleSpec* out);
void ParseControl(Fields& root, const ParseContext& context, ControlSpec* out);

}  // namespace cutover::spec_internal
