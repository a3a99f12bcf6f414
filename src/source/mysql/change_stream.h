// The MariaDB/MySQL binlog as a ChangeStream (cutover/source.h).
#pragma once

#include <memory>

#include "cutover/source.h"
#include "cutover/spec.h"

#include "source/mysql/binlog_stream.h"

namespace cutover::mysql {

// A change stream reading `spec.source`'s binlog as replica `spec.source.server_id`.
std::unique_ptr<ChangeStream> OpenBinlogChangeStream(const SourceSpec& source,
                                                     ChangeStreamOptions options);

// The same over explicit stream options (tests set backoff and hooks).
std::unique_ptr<ChangeStream> BinlogChangeStream(BinlogStreamOptions options);

}  // namespace cutover::mysql
