// MariaDbSource: a MariaDB or MySQL server as the pipeline's Source (cutover/source.h): the
// selected tables from information_schema, P0 from a consistent snapshot, keyset chunk reads,
// the binlog as the change stream, and the source preflight.
#pragma once

#include <memory>

#include "cutover/source.h"
#include "cutover/spec.h"

namespace cutover::mysql {

// The Source for `spec.source` (kind mariadb or mysql; they share it: MySQL differs only where
// the server says so, e.g. it has no P0 yet). `spec` must outlive it. Connects on first use.
std::unique_ptr<Source> OpenMariaDbSource(const Spec& spec);

}  // namespace cutover::mysql
