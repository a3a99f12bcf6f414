// Capture into the Kafka change log: each committed source transaction's changes are produced
// to the log topic, to partition (lane hash mod partitions) from ChangeRouter, so the appliers'
// per-partition order is per-key order; a change that moves a row to another partition is
// produced as a delete to the old one and an insert to the new one. The source position of the
// last transaction whose records are all acknowledged is checkpointed in the state store, at
// least every sync period; after a crash capture resumes there, so the transactions after it
// may be produced twice: applying full row images again is harmless and each key's order holds.
#pragma once

#include "cutover/spec.h"
#include "cutover/state_store.h"
#include "cutover/status.h"

#include "log/kafka_log.h"
#include "pipeline/capture.h"
#include "pipeline/router.h"
#include "source/mysql/binlog_stream.h"

namespace cutover::pipeline {

// The state store position capture into Kafka resumes from.
inline constexpr char kKafkaCapturePosition[] = "kafka_capture";

// Streams from the checkpoint (or options.start the first time) into `writer` until
// options.stop is set (returns OK after a final flush and checkpoint) or the stream fails.
// Fence markers go to `fences` (dropped when null).
Status RunKafkaCapture(mysql::BinlogStreamOptions options, log::KafkaLogWriter& writer,
                       ChangeRouter& router, StateStore& state, CaptureStats* stats,
                       FenceMarks* fences = nullptr);

}  // namespace cutover::pipeline
