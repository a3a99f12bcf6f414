// The Kafka change log as a ChangeLog (log/change_log.h).
#pragma once

#include <memory>

#include "log/change_log.h"

namespace cutover::log {

// The state store position capture into Kafka resumes from.
inline constexpr char kKafkaCapturePosition[] = "kafka_capture";

// Opens the Kafka change log of `spec`; create: the log and control topics are made when
// missing. NotFound when the log topic does not exist (and create is false). `state` is where
// the writer keeps capture's resume position (needed only to write).
Result<std::unique_ptr<ChangeLog>> OpenKafkaChangeLog(const Spec& spec, StateStore* state,
                                                      bool create);

}  // namespace cutover::log
